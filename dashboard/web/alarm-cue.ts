/**
 * The cue for a new critical alarm (issue 3, "Delivery"): a banner that stays until dismissed,
 * a short beep, and a browser notification.
 *
 * - Sound: Web Audio, created only after the operator has interacted with the page once
 *   (browsers refuse audio before a user gesture); a mute toggle in the header, remembered in
 *   localStorage.
 * - Browser notifications: permission is asked only from a button press, never on load (Chrome
 *   and Firefox penalise or block prompts without a gesture); only for new critical alarms of
 *   sites the user sees; `tag` = alarm id, so a repeat replaces rather than stacks, and a burst
 *   (more than MAX_SEPARATE_NOTIFICATIONS at once) is one summary notification.
 */
import type { Alarm } from '../../shared/alarms.ts';
import { byTestId, setAttr, setText } from './dom.ts';
import { alarmTypeText, severityText } from './i18n.ts';
import { getLang, onLangChange, t } from './locale.ts';

const MUTE_KEY = 'jagajarak.alarmSound';
/**
 * More new critical alarms than this in one batch (a city-wide policy switch, a broker
 * reconnect) become one summary notification instead of a stack of them.
 */
const MAX_SEPARATE_NOTIFICATIONS = 3;

export interface AlarmCueOptions {
  siteName(siteId: string): string | undefined;
  /** The "Lihat alarm" button on the banner. */
  onShow(): void;
}

export interface AlarmCue {
  /** Cues the given new critical alarms (already filtered by the alarm store). */
  raise(alarms: readonly Alarm[]): void;
  /** Shows or hides the controls (sound toggle) with the session. */
  setActive(active: boolean): void;
  destroy(): void;
}

function storedMute(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === 'off';
  } catch {
    return false;
  }
}

type AudioContextCtor = typeof AudioContext;

/** Two short 880 Hz tones: noticeable in a noisy control room, over in half a second. */
function beep(ctx: AudioContext): void {
  const start = ctx.currentTime + 0.01;
  for (const offset of [0, 0.25]) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'square';
    osc.frequency.value = 880;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.2, start + offset + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.18);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start + offset);
    osc.stop(start + offset + 0.2);
  }
}

export function createAlarmCue(options: AlarmCueOptions): AlarmCue {
  const toast = byTestId('critical-toast');
  const toastText = byTestId('critical-toast-text');
  const showButton = byTestId<HTMLButtonElement>('critical-toast-show');
  const dismissButton = byTestId<HTMLButtonElement>('critical-toast-dismiss');
  const soundToggle = byTestId<HTMLButtonElement>('sound-toggle');
  const soundText = soundToggle.querySelector('.sound-text');
  const notifyButton = byTestId<HTMLButtonElement>('notify-permission');
  const notifyState = byTestId('notify-state');

  let muted = storedMute();
  let audio: AudioContext | undefined;
  let pending: Alarm[] = [];

  const AudioCtor =
    (globalThis as { AudioContext?: AudioContextCtor; webkitAudioContext?: AudioContextCtor }).AudioContext ??
    (globalThis as { webkitAudioContext?: AudioContextCtor }).webkitAudioContext;
  const notifications = typeof Notification === 'function' ? Notification : undefined;

  /** After the first gesture the context may start; created then, resumed if the tab suspended it. */
  const unlock = () => {
    if (!AudioCtor || audio) return;
    try {
      audio = new AudioCtor();
    } catch {
      audio = undefined;
    }
    document.removeEventListener('pointerdown', unlock, true);
    document.removeEventListener('keydown', unlock, true);
  };
  document.addEventListener('pointerdown', unlock, true);
  document.addEventListener('keydown', unlock, true);

  const renderSound = () => {
    setAttr(soundToggle, 'aria-pressed', String(!muted));
    setText(soundText!, muted ? t('sound.off') : t('sound.on'));
    setAttr(soundToggle, 'title', t('sound.label'));
  };

  const renderNotify = () => {
    const permission = notifications?.permission;
    notifyButton.hidden = permission !== 'default';
    notifyState.hidden = permission === 'default';
    setText(
      notifyState,
      permission === 'granted'
        ? t('notify.granted')
        : permission === 'denied'
          ? t('notify.denied')
          : t('notify.unsupported'),
    );
  };

  const describe = (alarm: Alarm) =>
    t('cue.text', {
      type: alarmTypeText(getLang(), alarm.type),
      site: options.siteName(alarm.siteId) ?? alarm.siteId,
    });

  const renderToast = () => {
    const [latest] = pending;
    toast.hidden = !latest;
    if (!latest) return;
    const more = pending.length > 1 ? ` ${t('cue.more', { n: pending.length - 1 })}` : '';
    setText(toastText, `${severityText(getLang(), latest.severity)} ${describe(latest)}${more}`);
  };

  const notify = (body: string, tag: string) => {
    if (notifications?.permission !== 'granted') return;
    try {
      const n = new notifications(t('cue.title'), { body, tag, requireInteraction: true });
      n.onclick = () => {
        window.focus();
        options.onShow();
        n.close();
      };
    } catch {
      // Some platforms allow notifications only from a service worker; the banner still shows.
    }
  };

  const onSound = () => {
    muted = !muted;
    try {
      localStorage.setItem(MUTE_KEY, muted ? 'off' : 'on');
    } catch {
      // Not remembered, but switched for this page.
    }
    renderSound();
  };
  const onNotify = async () => {
    if (!notifications) return;
    try {
      await notifications.requestPermission();
    } finally {
      renderNotify();
    }
  };
  const dismiss = () => {
    pending = [];
    renderToast();
  };
  const onShowClick = () => {
    dismiss();
    options.onShow();
  };

  soundToggle.addEventListener('click', onSound);
  notifyButton.addEventListener('click', onNotify);
  dismissButton.addEventListener('click', dismiss);
  showButton.addEventListener('click', onShowClick);
  const offLang = onLangChange(() => {
    renderSound();
    renderNotify();
    renderToast();
  });
  renderSound();
  renderNotify();

  return {
    raise(alarms) {
      const fresh = alarms.filter((a) => !pending.some((p) => p.id === a.id));
      if (fresh.length === 0) return;
      pending = [...fresh, ...pending];
      renderToast();
      if (!muted && audio) {
        if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
        beep(audio);
      }
      if (fresh.length > MAX_SEPARATE_NOTIFICATIONS) {
        notify(
          `${describe(fresh[0]!)} ${t('cue.more', { n: fresh.length - 1 })}`,
          'jagajarak-critical-burst',
        );
      } else {
        for (const alarm of fresh) notify(describe(alarm), alarm.id);
      }
    },
    setActive(active) {
      soundToggle.hidden = !active;
      if (!active) dismiss();
    },
    destroy() {
      offLang();
      document.removeEventListener('pointerdown', unlock, true);
      document.removeEventListener('keydown', unlock, true);
      soundToggle.removeEventListener('click', onSound);
      notifyButton.removeEventListener('click', onNotify);
      dismissButton.removeEventListener('click', dismiss);
      showButton.removeEventListener('click', onShowClick);
      void audio?.close().catch(() => undefined);
    },
  };
}
