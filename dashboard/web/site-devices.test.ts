import { describe, expect, it } from 'vitest';
import { deviceTypeText, lastSeenText } from './site-devices.ts';

// 2025-11-28 07:05:09 UTC = 14:05:09 WIB.
const SEEN = '2025-11-28T07:05:09.000Z';
const T = Date.parse(SEEN);

describe('device lines of the site detail', () => {
  it('tells when a device was last seen as WIB clock time and age', () => {
    expect(lastSeenText(SEEN, 'id', T + 12_000)).toBe('terakhir terlihat 14.05.09 WIB (12 dtk lalu)');
    expect(lastSeenText(SEEN, 'en', T + 180_000)).toBe('last seen 14:05:09 WIB (3 min ago)');
    expect(lastSeenText(SEEN, 'id', T + 2 * 86_400_000)).toBe(
      'terakhir terlihat 28 Nov, 14.05 WIB (2 hr lalu)',
    );
  });

  it('says so when a device was never seen', () => {
    expect(lastSeenText(null, 'id', T)).toBe('belum pernah terlihat');
    expect(lastSeenText(undefined, 'id', T)).toBe('belum pernah terlihat');
  });

  it('translates the device type, and shows a type it does not know as sent', () => {
    expect(deviceTypeText('thermal-scanner')).toBe('pemindai suhu');
    expect(deviceTypeText('lidar-counter')).toBe('lidar-counter');
    expect(deviceTypeText(undefined)).toBe('');
  });
});
