// Preloaded into server-everything (NODE_OPTIONS=--import=...): its HTTP transports listen on every interface
// with no setting to change it; a listen without a host binds 127.0.0.1 instead.
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    const [port, ...rest] = args;
    const host = typeof rest[0] === 'string' ? rest.shift() : '127.0.0.1';
    return listen.call(this, port, host, ...rest);
  }
  return listen.apply(this, args);
};
