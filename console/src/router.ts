import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import ConsoleLayout from './components/ConsoleLayout.vue';
import LoginPage from './pages/LoginPage.vue';
import { loadSession, session } from './session';

const pages: RouteRecordRaw[] = [
  { path: '', redirect: { name: 'dashboard' } },
  { path: 'dashboard', name: 'dashboard', component: () => import('./pages/DashboardPage.vue') },
  { path: 'users', name: 'users', component: () => import('./pages/UsersPage.vue') },
  {
    path: 'moderation',
    name: 'moderation',
    component: () => import('./pages/ModerationPage.vue'),
  },
  { path: 'config', name: 'config', component: () => import('./pages/ConfigPage.vue') },
  {
    path: 'flash-sales',
    name: 'flash-sales',
    component: () => import('./pages/FlashSalesPage.vue'),
  },
  { path: 'approvals', name: 'approvals', component: () => import('./pages/ApprovalsPage.vue') },
  {
    path: 'collections',
    name: 'collections',
    component: () => import('./pages/CollectionsPage.vue'),
  },
  { path: 'jobs', name: 'jobs', component: () => import('./pages/JobsPage.vue') },
  { path: 'files', name: 'files', component: () => import('./pages/FilesPage.vue') },
  { path: 'admins', name: 'admins', component: () => import('./pages/AdminsPage.vue') },
  { path: 'audit', name: 'audit', component: () => import('./pages/AuditPage.vue') },
  { path: 'password', name: 'password', component: () => import('./pages/PasswordPage.vue') },
];

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true } },
  { path: '/', component: ConsoleLayout, children: pages },
  { path: '/:rest(.*)*', redirect: { name: 'dashboard' } },
];

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes,
});

router.beforeEach(async (to) => {
  if (!session.checked) await loadSession();
  if (to.meta.public) return true;
  if (!session.account) return { name: 'login', query: { next: to.fullPath } };
  return true;
});
