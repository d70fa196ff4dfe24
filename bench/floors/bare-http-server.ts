// Floor: the fastest a Node HTTP server on this machine answers a post-sized JSON body.
import { createServer } from 'node:http';

const body = JSON.stringify({
  id: '5f0c8a53-5d6e-4c0e-9a51-3f1f6f1b2c3d',
  author: { id: '0b9e2a5e-7c1d-4a8e-9f3b-1c2d3e4f5a6b', username: 'bench', displayName: 'bench' },
  text: 'a post of about the size the edge returns',
  media: [],
  createdAt: '2026-11-27T00:00:00.000Z',
  likeCount: null,
  commentCount: null,
  likedByMe: null,
  degraded: ['comments', 'likes'],
});
createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(body);
}).listen(Number(process.argv[2]), '127.0.0.1', () => process.send?.('ready'));
