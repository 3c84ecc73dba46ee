/**
 * The administration view (admins; operators see only the read-only alarm thresholds tab, see
 * router.ts allowedRoute, and the server refuses every admin change to other roles): one tab per concern, each a small panel module
 * built when its tab opens and torn down when another opens, so nothing polls in the background.
 */
import { createAlarmSettingsPanel } from './admin-alarm-settings.ts';
import { createDevicesPanel } from './admin-devices.ts';
import { createPolicyPanel } from './admin-policy.ts';
import { createSitesPanel } from './admin-sites.ts';
import { createUsersPanel } from './admin-users.ts';
import { createWebhooksPanel } from './admin-webhooks.ts';
import { byTestId, setAttr } from './dom.ts';
import { type AdminTab, allowedRoute } from './router.ts';
import type { SiteStore } from './site-store.ts';

export interface AdminPanel {
  readonly el: HTMLElement;
  destroy?(): void;
}

export interface AdminContext {
  sites: SiteStore;
  /** The signed-in user's role: an operator sees only the read-only alarm thresholds tab. */
  role: string;
  /** The city policy was switched here (the header shows the policy in force). */
  onPolicyChanged(): void;
}

const PANELS: Record<AdminTab, (ctx: AdminContext) => AdminPanel> = {
  sites: createSitesPanel,
  devices: createDevicesPanel,
  users: createUsersPanel,
  webhooks: createWebhooksPanel,
  policy: createPolicyPanel,
  'alarm-settings': createAlarmSettingsPanel,
};

export interface AdminView {
  show(tab: AdminTab): void;
  /** Tears the open panel down (another view was chosen, or logout). */
  hide(): void;
}

export function createAdminView(options: AdminContext & { onTab(tab: AdminTab): void }): AdminView {
  const view = byTestId('admin-view');
  const container = byTestId('admin-panel');
  const tabs = [...view.querySelectorAll<HTMLButtonElement>('[data-admin-tab]')];
  let current: { tab: AdminTab; panel: AdminPanel } | undefined;

  for (const button of tabs) {
    button.addEventListener('click', () => options.onTab(button.dataset.adminTab as AdminTab));
    const tab = button.dataset.adminTab as AdminTab;
    const route = allowedRoute({ view: 'admin', tab }, options.role);
    button.hidden = route.view !== 'admin' || route.tab !== tab;
  }

  const hide = () => {
    current?.panel.destroy?.();
    current = undefined;
    container.replaceChildren();
  };

  return {
    show(tab) {
      for (const button of tabs)
        setAttr(button, 'aria-current', button.dataset.adminTab === tab ? 'page' : null);
      if (current?.tab === tab) return;
      hide();
      const panel = PANELS[tab]({
        sites: options.sites,
        role: options.role,
        onPolicyChanged: options.onPolicyChanged,
      });
      current = { tab, panel };
      container.replaceChildren(panel.el);
    },
    hide,
  };
}
