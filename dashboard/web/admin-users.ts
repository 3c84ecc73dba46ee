/**
 * Admin: users and what they may see (issue 3, "Users and scope"). Admins and operators watch
 * the whole city; a manager sees only the sites chosen here. Create (`POST /api/users`), change
 * role, sites or password (`PATCH`), delete (`DELETE`; the server keeps the last admin).
 */
import type { AdminContext, AdminPanel } from './admin-view.ts';
import { api, ROLES, type Role, type User } from './api.ts';
import { h, setText } from './dom.ts';
import {
  busy,
  createStatus,
  errorReason,
  field,
  formFailure,
  option,
  selectedValues,
  table,
  tx,
} from './form-kit.ts';
import { formatNumber } from './format.ts';
import { getLang, onLangChange, t } from './locale.ts';

function siteOptions(ctx: AdminContext, chosen: readonly string[] = []): HTMLOptionElement[] {
  const sites = [...ctx.sites.sites.values()].sort((a, b) => a.name.localeCompare(b.name, 'id'));
  return sites.map((s) =>
    h('option', { value: s.id, selected: chosen.includes(s.id) }, `${s.name} (${s.id})`),
  );
}

const roleSelect = (name: string) =>
  h('select', { name, required: true }, ...ROLES.map((r) => option(r, `role.${r}`)));

export function createUsersPanel(ctx: AdminContext): AdminPanel {
  const username = h('input', {
    name: 'username',
    type: 'text',
    required: true,
    autocomplete: 'off',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: '64',
  });
  const password = h('input', {
    name: 'password',
    type: 'password',
    required: true,
    autocomplete: 'new-password',
    minlength: '8',
  });
  const role = roleSelect('role');
  role.value = 'manager';
  const sites = h('select', { name: 'sites', multiple: true, size: '6' });
  const submit = tx('button', 'user.create', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'user-create',
  });
  const status = createStatus('user-status');
  const form = h(
    'form',
    { class: 'admin-form', 'data-testid': 'user-form', novalidate: true },
    tx('h2', 'user.new'),
    h(
      'div',
      { class: 'form-grid' },
      field('user.username', username),
      field('user.password', password),
      field('user.role', role),
      field('user.sites', sites, { hint: 'user.sitesHint', wide: true }),
    ),
    h('div', { class: 'form-actions' }, submit),
    status.el,
  );

  const editTitle = h('h2', {});
  const editRole = roleSelect('role');
  const editSites = h('select', { name: 'sites', multiple: true, size: '6' });
  const editPassword = h('input', {
    name: 'password',
    type: 'password',
    autocomplete: 'new-password',
    minlength: '8',
  });
  const editSave = tx('button', 'user.save', {
    type: 'submit',
    class: 'primary',
    'data-testid': 'user-save',
  });
  const editCancel = tx('button', 'alarm.cancel', { type: 'button' });
  const editForm = h(
    'form',
    { class: 'admin-form', 'data-testid': 'user-edit-form', novalidate: true, hidden: true },
    editTitle,
    h(
      'div',
      { class: 'form-grid' },
      field('user.role', editRole),
      field('user.newPassword', editPassword, { optional: true }),
      field('user.sites', editSites, { hint: 'user.sitesHint', wide: true }),
    ),
    h('div', { class: 'form-actions' }, editSave, editCancel),
  );
  const listStatus = createStatus('user-list-status');
  const listHolder = h('div', { class: 'admin-list', 'data-testid': 'user-admin-list' });
  const el = h('div', { class: 'admin-section' }, form, editForm, listStatus.el, listHolder);

  let users: User[] | undefined;
  let loadError: string | undefined;
  let editing: User | undefined;

  const toggleSites = (select: HTMLSelectElement, r: string) => {
    // Only managers are scoped to sites; the others see the whole city.
    select.disabled = r !== 'manager';
  };

  const renderList = () => {
    if (!users) {
      listHolder.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          loadError ? t('admin.loadFailed', { reason: loadError }) : t('admin.loading'),
        ),
      );
      return;
    }
    const siteName = (id: string) => ctx.sites.get(id)?.name ?? id;
    listHolder.replaceChildren(
      h('h2', {}, t('user.list', { n: formatNumber(users.length, getLang()) })),
      table(
        ['user.username', 'user.role', 'user.sites', 'admin.actions'],
        users.map((u) => [
          h('strong', {}, u.username),
          t(`role.${u.role}`),
          u.role === 'manager' ? (u.sites ?? []).map(siteName).join(', ') : t('user.allSites'),
          h(
            'span',
            { class: 'row-actions' },
            tx('button', 'user.edit', {
              type: 'button',
              'data-edit': u.username,
              'data-testid': 'user-edit',
            }),
            tx('button', 'admin.delete', {
              type: 'button',
              'data-delete': u.username,
              'data-testid': 'user-delete',
            }),
          ),
        ]),
      ),
    );
  };

  const load = async () => {
    try {
      users = (await api.users()).sort((a, b) => a.username.localeCompare(b.username));
      loadError = undefined;
    } catch (err) {
      loadError = errorReason(err);
    }
    renderList();
  };

  const openEdit = (user: User) => {
    editing = user;
    setText(editTitle, t('user.editTitle', { name: user.username }));
    editRole.value = user.role;
    editSites.replaceChildren(...siteOptions(ctx, user.sites));
    toggleSites(editSites, user.role);
    editPassword.value = '';
    editForm.hidden = false;
    editRole.focus();
  };
  const closeEdit = () => {
    editing = undefined;
    editForm.hidden = true;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    status.clear();
    const input = {
      username: username.value.trim(),
      password: password.value,
      role: role.value as Role,
      sites: role.value === 'manager' ? selectedValues(sites) : [],
    };
    try {
      await busy(submit, () => api.createUser(input));
      status.ok(t('user.created', { name: input.username }));
      form.reset();
      role.value = 'manager';
      toggleSites(sites, role.value);
      void load();
    } catch (err) {
      status.error(formFailure(form, err));
    }
  });

  editForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = editing;
    if (!user) return;
    const patch: { role: Role; sites?: string[]; password?: string } = { role: editRole.value as Role };
    if (patch.role === 'manager') patch.sites = selectedValues(editSites);
    if (editPassword.value) patch.password = editPassword.value;
    try {
      await busy(editSave, () => api.updateUser(user.username, patch));
      listStatus.ok(t('user.saved', { name: user.username }));
      closeEdit();
      void load();
    } catch (err) {
      listStatus.error(t('admin.failed', { reason: errorReason(err) }));
    }
  });
  editCancel.addEventListener('click', closeEdit);
  role.addEventListener('change', () => toggleSites(sites, role.value));
  editRole.addEventListener('change', () => toggleSites(editSites, editRole.value));

  listHolder.addEventListener('click', async (event) => {
    const target = event.target as HTMLElement;
    const edit = target.closest<HTMLButtonElement>('[data-edit]');
    const del = target.closest<HTMLButtonElement>('[data-delete]');
    if (edit) {
      const user = users?.find((u) => u.username === edit.dataset.edit);
      if (user) openEdit(user);
    } else if (del?.dataset.delete) {
      const name = del.dataset.delete;
      if (!window.confirm(t('admin.confirmDelete', { name }))) return;
      try {
        await busy(del, () => api.deleteUser(name));
        if (editing?.username === name) closeEdit();
        void load();
      } catch (err) {
        listStatus.error(t('admin.failed', { reason: errorReason(err) }));
      }
    }
  });

  const unsubscribe = ctx.sites.subscribe((changes) => {
    if (!changes.reset && changes.removed.size === 0 && sites.options.length === ctx.sites.sites.size) return;
    const chosen = selectedValues(sites);
    sites.replaceChildren(...siteOptions(ctx, chosen));
  });
  const offLang = onLangChange(renderList);
  sites.replaceChildren(...siteOptions(ctx));
  toggleSites(sites, role.value);
  renderList();
  void load();
  return {
    el,
    destroy() {
      unsubscribe();
      offLang();
    },
  };
}
