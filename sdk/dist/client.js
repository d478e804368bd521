"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.MinibaseClient = void 0;
exports.createClient = createClient;
const core_1 = require("./core");
const approvals_1 = require("./features/approvals");
const community_1 = require("./features/community");
const config_1 = require("./features/config");
const database_1 = require("./features/database");
const files_1 = require("./features/files");
const flash_sale_1 = require("./features/flash-sale");
const notifications_1 = require("./features/notifications");
const realtime_1 = require("./features/realtime");
const users_1 = require("./features/users");
/**
 * The SDK: one per mini-program (make it once, in a module of its own, and import it where
 * needed). Every feature is a property; `core` is what they are built on, for your own modules
 * (`client.use(core => new MyFeature(core))`).
 */
class MinibaseClient {
    constructor(options) {
        this.core = new core_1.Core(options);
        this.session = this.core.session;
        this.files = new files_1.Files(this.core);
        this.users = new users_1.Users(this.core, this.files);
        this.community = new community_1.Community(this.core, this.files);
        this.config = new config_1.RemoteConfig(this.core);
        this.realtime = new realtime_1.Realtime(this.core, options.realtime);
        this.flashSale = new flash_sale_1.FlashSale(this.core, this.realtime);
        this.approvals = new approvals_1.Approvals(this.core);
        this.notifications = new notifications_1.Notifications(this.core);
        this.db = new database_1.Database(this.core, this.realtime);
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
    use(feature) {
        return feature(this.core);
    }
}
exports.MinibaseClient = MinibaseClient;
/** `createClient({ baseUrl: 'https://api.example.com' })`. */
function createClient(options) {
    return new MinibaseClient(options);
}
