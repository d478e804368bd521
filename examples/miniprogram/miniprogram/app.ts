import { mb } from './mb';

App({
  onLaunch() {
    // Warm the configuration (and the session: the first call that needs a user logs in).
    mb.config.get().catch(() => undefined);
  },
});
