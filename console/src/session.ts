// The signed-in account, kept in memory only: the session itself is the HttpOnly cookie, and a
// reload asks the server who is signed in (GET /api/v1/admin/console/session).
import { reactive } from 'vue';
import { ApiError, call, type Schemas } from './api/client';

export type Account = Schemas['AdminAccountView'];

export const session = reactive<{ account: Account | null; checked: boolean }>({
  account: null,
  checked: false,
});

export async function loadSession(): Promise<Account | null> {
  try {
    const data = await call('get', '/api/v1/admin/console/session');
    session.account = data.admin;
  } catch (err) {
    if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) throw err;
    session.account = null;
  } finally {
    session.checked = true;
  }
  return session.account;
}

export async function signIn(username: string, password: string): Promise<Account> {
  const data = await call('post', '/api/v1/admin/console/session', {
    body: { username, password },
  });
  session.account = data.admin;
  session.checked = true;
  return data.admin;
}

export async function signOut(): Promise<void> {
  try {
    await call('delete', '/api/v1/admin/console/session');
  } finally {
    session.account = null;
  }
}

export function isSuperAdmin(): boolean {
  return session.account?.role === 'admin';
}
