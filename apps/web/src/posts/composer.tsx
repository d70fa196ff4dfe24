// Write a post with up to 4 images: previews from object URLs before anything is sent, then each
// image is uploaded (POST /media) and the post created (POST /posts {text, mediaIds}). One key per
// image and one per draft: sending again after a failure re-uses the uploads and never posts twice.
// Text, images or both: an image needs no caption (the API takes empty text with media).
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, newKey } from '../api/client';
import type { Media, Post } from '../api/types';
import { useSession } from '../session';

const MAX_IMAGES = 4;
const ACCEPT = 'image/jpeg,image/png,image/webp,image/gif';

interface Picked {
  file: File;
  url: string;
  /** Its upload's key: sending again after a failure re-uses the upload. */
  key: string;
}

export function Composer({ onPosted }: { onPosted: (p: Post) => void }) {
  const { session } = useSession();
  const [text, setText] = useState('');
  const [picked, setPicked] = useState<Picked[]>([]);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const draftKey = useRef(newKey());
  const fileInput = useRef<HTMLInputElement>(null);
  const textId = useId();
  const filesId = useId();
  const hintId = useId();

  // Object URLs hold the file in memory until revoked.
  const urls = useRef<string[]>([]);
  useEffect(() => {
    urls.current = picked.map((p) => p.url);
  }, [picked]);
  useEffect(() => () => urls.current.forEach((u) => URL.revokeObjectURL(u)), []);

  if (!session) return null;
  const sayable = text.trim().length > 0 || picked.length > 0;

  const changed = () => {
    // Another draft now: a key must never be reused for a different request (422).
    draftKey.current = newKey();
    setError(null);
  };
  const pick = (files: FileList | null) => {
    const list = Array.from(files ?? []).filter((f) => ACCEPT.split(',').includes(f.type));
    const room = MAX_IMAGES - picked.length;
    if (list.length > room) setError(`At most ${MAX_IMAGES} images per post: ${list.length - room} left out.`);
    else setError(null);
    setPicked((prev) => [
      ...prev,
      ...list.slice(0, room).map((file) => ({ file, url: URL.createObjectURL(file), key: newKey() })),
    ]);
    draftKey.current = newKey();
    if (fileInput.current) fileInput.current.value = '';
  };
  const remove = (i: number) => {
    URL.revokeObjectURL(picked[i].url);
    setPicked((prev) => prev.filter((_, j) => j !== i));
    changed();
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!sayable || sending) return;
    setSending(true);
    setError(null);
    try {
      const mediaIds: string[] = [];
      for (const [i, p] of picked.entries()) {
        setStatus(`Uploading image ${i + 1} of ${picked.length}…`);
        const form = new FormData();
        form.append('file', p.file, p.file.name);
        const m = await api<Media>('POST', '/media', {
          token: session.token,
          form,
          idempotencyKey: p.key,
        });
        mediaIds.push(m.id);
      }
      setStatus('Posting…');
      const post = await api<Post>('POST', '/posts', {
        token: session.token,
        body: picked.length ? { text: text.trim(), mediaIds } : { text: text.trim() },
        idempotencyKey: `${draftKey.current}-post`,
      });
      picked.forEach((p) => URL.revokeObjectURL(p.url));
      setPicked([]);
      setText('');
      draftKey.current = newKey();
      setStatus('Posted.');
      onPosted(post);
    } catch (err) {
      setStatus(null);
      const why = describeError(err);
      setError(
        err instanceof ApiError && err.service === 'media'
          ? `${why}: your post was not sent. Try again in a moment${text.trim() ? ', or remove the images to post the text now' : ''}.`
          : `${why}: your post was not sent.`,
      );
    } finally {
      setSending(false);
    }
  };

  return (
    <form className="composer" onSubmit={(e) => void submit(e)} aria-label="Write a post">
      <label htmlFor={textId}>What's happening?</label>
      <textarea
        id={textId}
        value={text}
        maxLength={5000}
        rows={3}
        required={picked.length === 0}
        aria-describedby={hintId}
        onChange={(e) => {
          setText(e.target.value);
          changed();
        }}
      />
      {picked.length > 0 && (
        <ul className="previews" aria-label="Images to post">
          {picked.map((p, i) => (
            <li key={p.url}>
              <img src={p.url} alt={`Preview ${i + 1}: ${p.file.name}`} />
              <button type="button" className="remove" onClick={() => remove(i)} aria-label={`Remove ${p.file.name}`}>
                ✕
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-bar">
        <label htmlFor={filesId} className="small">
          Add images
        </label>
        <input
          ref={fileInput}
          id={filesId}
          type="file"
          accept={ACCEPT}
          multiple
          disabled={picked.length >= MAX_IMAGES || sending}
          aria-describedby={hintId}
          onChange={(e) => pick(e.target.files)}
        />
        <span id={hintId} className="muted small">
          {picked.length}/{MAX_IMAGES} images · text, images or both
        </span>
        <button type="submit" className="primary" disabled={sending || !sayable}>
          {sending ? 'Sending…' : 'Post'}
        </button>
      </div>
      <div role="status" aria-live="polite">
        {error ? <p className="notice notice-warn">{error}</p> : status && <p className="muted small">{status}</p>}
      </div>
    </form>
  );
}
