/**
 * A model of a WAN link in front of the emulator (--latency, --bandwidth): a TCP relay on the
 * emulator's public address that forwards every connection to the real server on a private
 * loopback port. Bytes the emulator sends are held back `latencyMs` (so every answer, TLS handshakes
 * included, costs one more round trip of that length; a new connection costs one more, for TCP's
 * own handshake), and each direction of each connection is
 * paced to `bytesPerSecond`. It works below HTTP and TLS, so the API, presigned PUTs and GETs and
 * extensions are shaped alike.
 */
import net from 'node:net';
import { Transform, type TransformCallback } from 'node:stream';

export interface LinkShape {
  /** Added to every round trip: the emulator's bytes reach the client this much later. */
  latencyMs: number;
  /** Most bytes per second in each direction of one connection; undefined = no cap. */
  bytesPerSecond?: number;
}

/** Bytes held back (in flight on the modelled link) per direction before the source is paused. */
const MAX_IN_FLIGHT = 8 * 1024 * 1024;
/** Paced chunks are cut to this size so that the pace is smooth at low rates. */
const SLICE = 16 * 1024;

/** Delays and paces the bytes through it, keeping their order; backpressure when too many are held. */
class Shaper extends Transform {
  private readonly queue: Array<{ at: number; chunk: Buffer }> = [];
  private held = 0;
  private nextFree = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiting: (() => void) | undefined;
  private flushed: (() => void) | undefined;

  constructor(
    private readonly delayMs: number,
    private readonly bytesPerSecond: number | undefined,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    const now = performance.now();
    for (let i = 0; i < chunk.length; i += this.bytesPerSecond ? SLICE : chunk.length) {
      const piece = this.bytesPerSecond ? chunk.subarray(i, i + SLICE) : chunk;
      let leaves = now;
      if (this.bytesPerSecond) {
        this.nextFree = Math.max(this.nextFree, now) + (piece.length / this.bytesPerSecond) * 1000;
        leaves = this.nextFree;
      }
      this.queue.push({ at: leaves + this.delayMs, chunk: piece });
      this.held += piece.length;
    }
    this.pump();
    // Paced: take the next chunk once this one has left (the link is busy until then); only
    // delayed: take it at once unless too much is on the link.
    const busyMs = this.bytesPerSecond ? this.nextFree - now : 0;
    const next = (): void => {
      if (this.held > MAX_IN_FLIGHT) this.waiting = done;
      else done();
    };
    if (busyMs > 1) setTimeout(next, busyMs).unref();
    else next();
  }

  override _flush(done: TransformCallback): void {
    if (this.queue.length === 0) {
      done();
      return;
    }
    this.flushed = () => done();
  }

  override _destroy(err: Error | null, done: (error?: Error | null) => void): void {
    if (this.timer) clearTimeout(this.timer);
    this.queue.length = 0;
    done(err);
  }

  private pump(): void {
    if (this.timer) return;
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now + 0.5) {
      const { chunk } = this.queue.shift()!;
      this.held -= chunk.length;
      this.push(chunk);
    }
    if (this.waiting && this.held <= MAX_IN_FLIGHT) {
      const resume = this.waiting;
      this.waiting = undefined;
      resume();
    }
    if (this.queue.length > 0) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(0, this.queue[0]!.at - now),
      );
    } else if (this.flushed) {
      const end = this.flushed;
      this.flushed = undefined;
      end();
    }
  }
}

/** One shaped connection: client ⇄ shapers ⇄ the real server; either side closing closes both. */
function relay(client: net.Socket, innerPort: number, shape: LinkShape): void {
  // Half-open on both sides: an end from one side travels through the shaper (after the bytes
  // still held on the link) instead of cutting them off.
  const server = net.connect({ host: '127.0.0.1', port: innerPort, allowHalfOpen: true });
  client.setNoDelay(true);
  server.setNoDelay(true);
  // Without a rate cap the way up needs no shaping (the latency is added on the way down): the
  // client's bytes go straight through, and the relay costs the shared CPU one stream less.
  const up = shape.bytesPerSecond ? new Shaper(0, shape.bytesPerSecond) : undefined;
  const down = new Shaper(shape.latencyMs, shape.bytesPerSecond);
  const teardown = (): void => {
    client.destroy();
    server.destroy();
    up?.destroy();
    down.destroy();
  };
  for (const s of [client, server, up, down]) s?.on('error', teardown);
  // The client gone: nothing more to deliver. The server gone: its last bytes still cross the link.
  client.on('close', teardown);
  down.on('end', () => server.destroyed && client.end());
  server.on('close', () => {
    if (!down.writableEnded) down.end();
  });
  // A new connection first costs a round trip of its own (TCP's handshake): the client's first
  // bytes reach the server only after it.
  client.pause();
  const open = (): void => {
    if (client.destroyed) return;
    if (up) client.pipe(up).pipe(server);
    else client.pipe(server);
  };
  if (shape.latencyMs > 0) setTimeout(open, shape.latencyMs).unref();
  else open();
  server.pipe(down).pipe(client);
}

export interface ShapedFront {
  port: number;
  close(): Promise<void>;
}

/** Listens on host:port and relays every connection through the link model to 127.0.0.1:innerPort. */
export async function startShapedFront(
  host: string,
  port: number,
  innerPort: number,
  shape: LinkShape,
): Promise<ShapedFront> {
  const sockets = new Set<net.Socket>();
  const front = net.createServer({ allowHalfOpen: true }, (client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    relay(client, innerPort, shape);
  });
  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  return {
    port: (front.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        front.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
