"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.Storage = void 0;
/**
 * The SDK's corner of `wx` storage: every key is prefixed (`minibase:` by default). Storage
 * failures (full, corrupt) are logged and read as "nothing stored", never thrown at callers.
 */
class Storage {
    constructor(wx, options) {
        this.wx = wx;
        this.options = options;
    }
    key(name) {
        return this.options.storagePrefix + name;
    }
    get(name) {
        try {
            const value = this.wx.getStorageSync(this.key(name));
            // wx answers '' for a key that was never set.
            return value === '' || value === null || value === undefined ? undefined : value;
        }
        catch (err) {
            this.options.logger.warn(`minibase: cannot read storage key ${this.key(name)}`, err);
            return undefined;
        }
    }
    set(name, value) {
        try {
            this.wx.setStorageSync(this.key(name), value);
        }
        catch (err) {
            this.options.logger.warn(`minibase: cannot write storage key ${this.key(name)}`, err);
        }
    }
    remove(name) {
        try {
            this.wx.removeStorageSync(this.key(name));
        }
        catch (err) {
            this.options.logger.warn(`minibase: cannot remove storage key ${this.key(name)}`, err);
        }
    }
}
exports.Storage = Storage;
