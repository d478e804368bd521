import { Core } from './core';
import { Approvals } from './features/approvals';
import { Community } from './features/community';
import { RemoteConfig } from './features/config';
import { Database } from './features/database';
import { Files } from './features/files';
import { FlashSale } from './features/flash-sale';
import { Notifications } from './features/notifications';
import { Realtime } from './features/realtime';
import { Users } from './features/users';
import type { ClientOptions } from './options';
import type { Session } from './session';

/**
 * The SDK: one per mini-program (make it once, in a module of its own, and import it where
 * needed). Every feature is a property; `core` is what they are built on, for your own modules
 * (`client.use(core => new MyFeature(core))`).
 */
export class MinibaseClient {
  readonly core: Core;
  /** Login state, tokens, logout. */
  readonly session: Session;
  readonly users: Users;
  readonly files: Files;
  readonly community: Community;
  readonly config: RemoteConfig;
  readonly flashSale: FlashSale;
  readonly approvals: Approvals;
  readonly notifications: Notifications;
  /** Live events over `wx.connectSocket` (connects on the first subscription). */
  readonly realtime: Realtime;
  /** Your own collections: `db.collection('todos').where({ done: false }).get()`. */
  readonly db: Database;

  constructor(options: ClientOptions) {
    this.core = new Core(options);
    this.session = this.core.session;
    this.files = new Files(this.core);
    this.users = new Users(this.core, this.files);
    this.community = new Community(this.core, this.files);
    this.config = new RemoteConfig(this.core);
    this.realtime = new Realtime(this.core, options.realtime);
    this.flashSale = new FlashSale(this.core, this.realtime);
    this.approvals = new Approvals(this.core);
    this.notifications = new Notifications(this.core);
    this.db = new Database(this.core, this.realtime);
  }

  /** Log in now (otherwise the first call that needs a user does it). */
  login() {
    return this.session.login();
  }

  /** End the session on the server and forget it here. */
  logout() {
    return this.session.logout();
  }

  /** Build a module of your own on this client's core: `client.use((core) => new Shop(core))`. */
  use<T>(feature: (core: Core) => T): T {
    return feature(this.core);
  }
}

/** `createClient({ baseUrl: 'https://api.example.com' })`. */
export function createClient(options: ClientOptions): MinibaseClient {
  return new MinibaseClient(options);
}
