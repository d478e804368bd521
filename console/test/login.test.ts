import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory, createRouter } from 'vue-router';
import { i18n } from '../src/i18n';
import LoginPage from '../src/pages/LoginPage.vue';
import { session } from '../src/session';

afterEach(() => {
  vi.unstubAllGlobals();
  session.account = null;
});

async function mountLogin() {
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/login', name: 'login', component: LoginPage },
      { path: '/dashboard', name: 'dashboard', component: { template: '<p>home</p>' } },
    ],
  });
  await router.push('/login');
  const wrapper = mount(LoginPage, { global: { plugins: [ElementPlus, i18n, router] } });
  return { wrapper, router };
}

describe('LoginPage', () => {
  it('shows the server message on a refused sign-in and stays', async () => {
    const fetch = vi.fn(
      async () =>
        new Response(JSON.stringify({ code: 40105, message: 'wrong username or password' }), {
          status: 401,
        }),
    );
    vi.stubGlobal('fetch', fetch);
    const { wrapper, router } = await mountLogin();
    await wrapper.find('input[name=username]').setValue('ops');
    await wrapper.find('input[name=password]').setValue('nope');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(wrapper.find('[data-test=error]').text()).toContain('wrong username or password');
    expect(router.currentRoute.value.name).toBe('login');
    expect(session.account).toBeNull();
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/admin/console/session');
    expect(JSON.parse(String(init.body))).toEqual({ username: 'ops', password: 'nope' });
  });

  it('signs in and goes to the dashboard', async () => {
    const admin = { id: 1, username: 'ops', role: 'admin', disabled: false, created_at: '' };
    vi.stubGlobal(
      'fetch',
      vi.fn(
        async () =>
          new Response(
            JSON.stringify({ code: 0, message: 'ok', data: { admin, csrf_token: 'x' } }),
            {
              status: 200,
            },
          ),
      ),
    );
    const { wrapper, router } = await mountLogin();
    await wrapper.find('input[name=username]').setValue('ops');
    await wrapper.find('input[name=password]').setValue('right password');
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(session.account?.username).toBe('ops');
    expect(router.currentRoute.value.path).toBe('/dashboard');
  });

  it('asks for both fields before calling the server', async () => {
    const fetch = vi.fn();
    vi.stubGlobal('fetch', fetch);
    const { wrapper } = await mountLogin();
    await wrapper.find('form').trigger('submit');
    await flushPromises();
    expect(fetch).not.toHaveBeenCalled();
    expect(wrapper.find('[data-test=error]').exists()).toBe(true);
  });
});
