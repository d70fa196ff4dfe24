// A post's text with its resolved mentions as links to their profiles (mention-parts.ts).
import type { Post } from '../api/types';
import { href } from '../router';
import { mentionParts } from './mention-parts';

export function PostText({ post }: { post: Post }) {
  return (
    <p className="post-text">
      {mentionParts(post.text, post.mentions).map((part, i) =>
        'mention' in part ? (
          <a key={i} className="mention" href={href.user(part.mention)}>
            {part.text}
          </a>
        ) : (
          part.text
        ),
      )}
    </p>
  );
}
