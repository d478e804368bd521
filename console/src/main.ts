import ElementPlus from 'element-plus';
import 'element-plus/dist/index.css';
import { createApp } from 'vue';
import App from './App.vue';
import { setUnauthenticatedHandler } from './api/client';
import { i18n } from './i18n';
import { router } from './router';
import { session } from './session';
import './style.css';

setUnauthenticatedHandler(() => {
  session.account = null;
  if (router.currentRoute.value.name !== 'login') {
    void router.push({ name: 'login', query: { next: router.currentRoute.value.fullPath } });
  }
});

createApp(App).use(i18n).use(router).use(ElementPlus).mount('#app');
