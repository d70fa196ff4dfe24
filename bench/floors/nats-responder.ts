// Floor: a bare nats.js responder in its own process (no framework), answering a small JSON.
import { connect } from '@nats-io/transport-node';

const nc = await connect({ servers: process.argv[2] });
const reply = JSON.stringify({ response: { ok: true }, isDisposed: true });
nc.subscribe('bench.floor', {
  queue: 'bench',
  callback: (_err, msg) => {
    msg.respond(reply);
  },
});
await nc.flush();
process.send?.('ready');
