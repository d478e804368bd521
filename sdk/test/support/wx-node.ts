// A `wx` for Node: the APIs the SDK calls, built on Node's HTTP client (and `ws` for sockets),
// behaving as the mini-program runtime does, so the SDK runs unchanged against a real server.
// wx.login hands out codes the bundled mock WeChat understands (`<user>:<n>` logs in
// `mock-openid-<user>`). Every request is recorded in `log`. wx.requestPayment stands for the
// payer at WeChat Pay: it pays through `payer` (the mock pay platform's control), cancels or
// fails, as `paymentAnswer` says.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { basename } from 'node:path';
import WebSocket from 'ws';
import type { WxLike } from '../../src';

export interface LoggedRequest {
  method: string;
  path: string;
  status: number;
  /** The error code of an error envelope, if it was one. */
  code?: number;
  authorization?: string;
}

type Callbacks<S> = {
  success?: (result: S) => void;
  fail?: (error: { errMsg: string; errno?: number }) => void;
  complete?: (result: unknown) => void;
};

function settle<S>(options: Callbacks<S>, result: { ok: S } | { err: string; errno?: number }) {
  // wx calls back asynchronously, never inside the call.
  setImmediate(() => {
    if ('ok' in result) {
      options.success?.(result.ok);
      options.complete?.(result.ok);
    } else {
      const error = { errMsg: result.err, errno: result.errno };
      options.fail?.(error);
      options.complete?.(error);
    }
  });
}

export class NodeWx {
  readonly log: LoggedRequest[] = [];
  readonly storage = new Map<string, string>();
  /** The WeChat user wx.login signs in as (the mock's `mock-openid-<user>`). */
  user: string;
  /** What wx.checkSession answers. */
  sessionAlive = true;
  checkSessionCalls = 0;
  loginCalls = 0;
  /** What wx.requestSubscribeMessage answers, by template id. */
  subscribeAnswers: Record<string, 'accept' | 'reject' | 'ban'> = {};
  /** How the payment sheet ends: the payer pays, closes it, or it fails. */
  paymentAnswer: 'pay' | 'cancel' | 'fail' = 'pay';
  /** Pays the WeChat Pay order `outTradeNo` (WeChat Pay's part: the harness sets it). */
  payer: ((outTradeNo: string) => Promise<void>) | undefined;
  /** WeChat Pay's orders by `package` (`prepay_id=...`), as the server's pay answers named them. */
  private readonly prepaid = new Map<string, string>();

  constructor(user: string) {
    this.user = user;
  }

  /** Requests to `path` (exact, or a RegExp), optionally with one status. */
  calls(path: string | RegExp, status?: number): LoggedRequest[] {
    return this.log.filter(
      (r) =>
        (typeof path === 'string' ? r.path === path : path.test(r.path)) &&
        (status === undefined || r.status === status),
    );
  }

  request = (options: WechatMiniprogram.RequestOption): WechatMiniprogram.RequestTask => {
    const method = options.method ?? 'GET';
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(options.header ?? {})) headers[key] = String(value);
    let url = options.url;
    let body: Buffer | undefined;
    if (options.data !== undefined) {
      if (method === 'GET') {
        // wx puts GET data in the query string.
        const query = new URLSearchParams(options.data as Record<string, string>).toString();
        if (query) url += (url.includes('?') ? '&' : '?') + query;
      } else if (typeof options.data === 'string') {
        body = Buffer.from(options.data);
      } else {
        body = Buffer.from(JSON.stringify(options.data));
        if (!Object.keys(headers).some((k) => k.toLowerCase() === 'content-type')) {
          headers['content-type'] = 'application/json';
        }
      }
    }
    this.send(method, url, headers, body, options.timeout ?? 60_000).then(
      (res) => {
        let data: unknown = res.text;
        if ((options.dataType ?? 'json') === 'json') {
          try {
            data = JSON.parse(res.text);
          } catch {
            // wx hands over the text when it is not JSON.
          }
        }
        settle(options as Callbacks<unknown>, {
          ok: {
            statusCode: res.status,
            data,
            header: res.headers,
            cookies: [],
            errMsg: 'request:ok',
          },
        });
      },
      (err: Error) =>
        settle(options as Callbacks<unknown>, {
          err: `request:fail ${err.message}`,
          errno: 600001,
        }),
    );
    return {} as WechatMiniprogram.RequestTask;
  };

  uploadFile = (options: WechatMiniprogram.UploadFileOption): WechatMiniprogram.UploadTask => {
    const boundary = `----wxshim${randomBytes(8).toString('hex')}`;
    const parts: Buffer[] = [];
    for (const [key, value] of Object.entries(options.formData ?? {})) {
      parts.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${key}"\r\n\r\n${String(value)}\r\n`,
        ),
      );
    }
    let file: Buffer;
    try {
      file = readFileSync(options.filePath);
    } catch {
      settle(options as Callbacks<unknown>, { err: 'uploadFile:fail file not found' });
      return {} as WechatMiniprogram.UploadTask;
    }
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${options.name}"; filename="${basename(options.filePath)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    );
    const headers: Record<string, string> = {
      'content-type': `multipart/form-data; boundary=${boundary}`,
    };
    for (const [key, value] of Object.entries(options.header ?? {})) headers[key] = String(value);
    this.send('POST', options.url, headers, Buffer.concat(parts), options.timeout ?? 60_000).then(
      (res) =>
        settle(options as Callbacks<unknown>, {
          // wx.uploadFile hands the body over as text.
          ok: { statusCode: res.status, data: res.text, errMsg: 'uploadFile:ok' },
        }),
      (err: Error) =>
        settle(options as Callbacks<unknown>, { err: `uploadFile:fail ${err.message}` }),
    );
    return {} as WechatMiniprogram.UploadTask;
  };

  login = (options: WechatMiniprogram.LoginOption = {}) => {
    this.loginCalls += 1;
    settle(options as Callbacks<unknown>, {
      ok: { code: `${this.user}:${this.loginCalls}`, errMsg: 'login:ok' },
    });
  };

  checkSession = (options: WechatMiniprogram.CheckSessionOption = {}) => {
    this.checkSessionCalls += 1;
    settle(
      options as Callbacks<unknown>,
      this.sessionAlive
        ? { ok: { errMsg: 'checkSession:ok' } }
        : { err: 'checkSession:fail session time out' },
    );
  };

  requestSubscribeMessage = (options: WechatMiniprogram.RequestSubscribeMessageOption) => {
    const answer: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
    for (const id of options.tmplIds) answer[id] = this.subscribeAnswers[id] ?? 'reject';
    settle(options as Callbacks<unknown>, { ok: answer });
  };

  requestPayment = (options: WechatMiniprogram.RequestPaymentOption) => {
    const outTradeNo = this.prepaid.get(options.package);
    const done = (result: { ok: unknown } | { err: string }) =>
      settle(options as Callbacks<unknown>, result);
    if (!outTradeNo || !options.paySign || !options.timeStamp || !options.nonceStr) {
      done({ err: 'requestPayment:fail invalid params' });
    } else if (this.paymentAnswer === 'cancel') {
      done({ err: 'requestPayment:fail cancel' });
    } else if (this.paymentAnswer === 'fail' || !this.payer) {
      done({ err: 'requestPayment:fail PAYERROR' });
    } else {
      this.payer(outTradeNo).then(
        () => done({ ok: { errMsg: 'requestPayment:ok' } }),
        (err: Error) => done({ err: `requestPayment:fail ${err.message}` }),
      );
    }
  };

  // Storage keeps JSON, as wx does: what comes back is a copy.
  getStorageSync = (key: string): unknown => {
    const value = this.storage.get(key);
    return value === undefined ? '' : JSON.parse(value);
  };
  setStorageSync = (key: string, value: unknown) => {
    this.storage.set(key, JSON.stringify(value));
  };
  removeStorageSync = (key: string) => {
    this.storage.delete(key);
  };

  /** wx.connectSocket on `ws`: the SocketTask's callbacks, `send` and `close`. */
  connectSocket = (
    options: WechatMiniprogram.ConnectSocketOption,
  ): WechatMiniprogram.SocketTask => {
    const socket = new WebSocket(options.url, options.protocols ?? [], {
      headers: options.header as Record<string, string> | undefined,
      handshakeTimeout: options.timeout ?? 60_000,
    });
    socket.binaryType = 'arraybuffer';
    socket.on('open', () =>
      settle(options as Callbacks<unknown>, { ok: { errMsg: 'connectSocket:ok' } }),
    );
    const task = {
      onOpen: (cb: (result: unknown) => void) => socket.on('open', () => cb({ header: {} })),
      onMessage: (cb: (result: { data: string | ArrayBuffer }) => void) =>
        socket.on('message', (data, isBinary) =>
          cb({ data: isBinary ? (data as ArrayBuffer) : data.toString() }),
        ),
      onClose: (cb: (result: { code: number; reason: string }) => void) =>
        socket.on('close', (code, reason) => cb({ code, reason: reason.toString() })),
      onError: (cb: (result: { errMsg: string }) => void) =>
        socket.on('error', (err) => cb({ errMsg: err.message })),
      send: (o: { data: string | ArrayBuffer } & Callbacks<unknown>) => {
        socket.send(o.data, (err) =>
          settle(
            o,
            err
              ? { err: `sendSocketMessage:fail ${err.message}` }
              : { ok: { errMsg: 'sendSocketMessage:ok' } },
          ),
        );
      },
      close: (o: { code?: number; reason?: string } & Callbacks<unknown> = {}) => {
        socket.close(o.code ?? 1000, o.reason);
        settle(o, { ok: { errMsg: 'closeSocket:ok' } });
      },
    };
    return task as unknown as WechatMiniprogram.SocketTask;
  };

  /** WeChat Pay knows which order a `prepay_id` is; the shim learns it from the pay answer. */
  private rememberPrepay(text: string) {
    const { data } = JSON.parse(text) as {
      data: { out_trade_no: string; request_payment: { package: string } };
    };
    this.prepaid.set(data.request_payment.package, data.out_trade_no);
  }

  /** This object as the `wx` the SDK takes. */
  get wx(): WxLike {
    return this as unknown as WxLike;
  }

  private send(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: Buffer | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; text: string; headers: Record<string, string> }> {
    return new Promise((resolve, reject) => {
      const target = new URL(url);
      const req = http.request(
        target,
        {
          method,
          headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            let code: number | undefined;
            try {
              const parsed = JSON.parse(text) as { code?: unknown };
              if (typeof parsed.code === 'number' && parsed.code !== 0) code = parsed.code;
            } catch {
              // not JSON
            }
            if (
              status === 200 &&
              /^\/api\/v1\/flash-sale-orders\/\d+\/pay$/.test(target.pathname)
            ) {
              this.rememberPrepay(text);
            }
            const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization');
            this.log.push({
              method,
              path: target.pathname,
              status,
              code,
              authorization: auth?.[1],
            });
            const flat: Record<string, string> = {};
            for (const [key, value] of Object.entries(res.headers)) {
              if (value !== undefined) flat[key] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({ status, text, headers: flat });
          });
          res.on('error', reject);
        },
      );
      req.setTimeout(timeoutMs, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }
}
