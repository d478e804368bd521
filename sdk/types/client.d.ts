import { Core } from './core';
import { Approvals } from './features/approvals';
import { Community } from './features/community';
import { RemoteConfig } from './features/config';
import { Database } from './features/database';
import { Files } from './features/files';
import { FlashSale } from './features/flash-sale';
import { Notifications } from './features/notifications';
import { Users } from './features/users';
import type { ClientOptions } from './options';
import type { Session } from './session';
/**
 * The SDK: one per mini-program (make it once, in a module of its own, and import it where
 * needed). Every feature is a property; `core` is what they are built on, for your own modules
 * (`client.use(core => new MyFeature(core))`).
 */
export declare class MinibaseClient {
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
    /** Your own collections: `db.collection('todos').where({ done: false }).get()`. */
    readonly db: Database;
    constructor(options: ClientOptions);
    /** Log in now (otherwise the first call that needs a user does it). */
    login(): Promise<{
        avatar_url: string;
        id: number;
        nickname: string;
    }>;
    /** End the session on the server and forget it here. */
    logout(): Promise<void>;
    /** Build a module of your own on this client's core: `client.use((core) => new Shop(core))`. */
    use<T>(feature: (core: Core) => T): T;
}
/** `createClient({ baseUrl: 'https://api.example.com' })`. */
export declare function createClient(options: ClientOptions): MinibaseClient;
