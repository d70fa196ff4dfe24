// What the comments integration test runs against: a private nats-server, the built posts
// service as a real process (no app imports another), and comments itself in this process.
import type { NatsConnection } from '@nats-io/transport-node';
import { type MeshClient } from '#mesh';
import { type RunningService } from '#service';
import {
  dropSchemas,
  freshSchema,
  spawnApp,
  startNatsServer,
  stopAllApps,
  testClient,
  TEST_DATABASE_URL,
  waitUntilJoined,
  type AppProcess,
  type NatsServerHandle,
} from '#testing';
import { loadCommentsConfig } from '../src/comments.config.js';
import { startComments } from '../src/comments.app.js';

export interface CommentsTestMesh {
  client: { nc: NatsConnection; mesh: MeshClient };
  posts: AppProcess;
  /** The comments service's fresh schema. */
  schema: string;
  stop: () => Promise<void>;
}

export async function startCommentsTestMesh(o: { postsTimeoutMs: number }): Promise<CommentsTestMesh> {
  const schema = freshSchema('comments');
  const postsSchema = freshSchema('posts');
  let nats: NatsServerHandle | undefined;
  let client: CommentsTestMesh['client'] | undefined;
  let comments: RunningService | undefined;
  const stop = async () => {
    await client?.nc.close();
    await comments?.stop();
    await stopAllApps();
    await nats?.stop();
    await dropSchemas(schema, postsSchema);
  };
  try {
    nats = await startNatsServer();
    client = await testClient(nats.url);
    const env = { NATS_URL: nats.url, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' };
    const posts = spawnApp('posts', { ...env, POSTS_DB_SCHEMA: postsSchema });
    await waitUntilJoined(client.nc, posts);
    comments = await startComments(
      loadCommentsConfig({ ...env, COMMENTS_DB_SCHEMA: schema, POSTS_TIMEOUT_MS: String(o.postsTimeoutMs) }),
      { handleSignals: false },
    );
    return { client, posts, schema, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
