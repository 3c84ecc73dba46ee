/**
 * Who may connect. Server identities log in as `svc:<name>` with MQTT_SERVICE_SECRET; devices log
 * in with their device id and the secret whose salted hash the registry replica holds (DESIGN.md
 * "Device protocol v1"). No anonymous access.
 *
 * Successful device verifications are cached (device id -> SHA-256 of the secret and the hash it
 * was checked against), so after a broker restart thousands of buses reconnecting pay scrypt once
 * each and then a hash compare. An entry is used only while the registry still holds the same
 * hash, and dropped when the device record changes or is deleted.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isServiceUser, SERVICE_USER_PREFIX } from '../shared/mqtt-service.ts';
import type { RegistryReplica } from '../shared/registry-replica.ts';
import type { DeviceRecord } from '../shared/registry-schemas.ts';
import { verifySecret } from '../shared/secrets.ts';
import { DEVICE_ID_PATTERN } from '../shared/topics.ts';
import { type Identity, identityKey, type PublishRequest, willProblem } from './access-policy.ts';
import type { AuthFailureReason } from './broker-metrics.ts';
import { INTEGRATION_USER_PREFIX, type IntegrationAccount } from './security-config.ts';

/** MQTT 3.1.1 allows servers to accept longer ids than 23 characters; we stop at 128. */
export const MAX_CLIENT_ID_LENGTH = 128;

/** CONNACK return codes of MQTT 3.1.1 (section 3.2.2.3) that we send. */
export const CONNACK = {
  IDENTIFIER_REJECTED: 2,
  SERVER_UNAVAILABLE: 3,
  BAD_USERNAME_OR_PASSWORD: 4,
  NOT_AUTHORIZED: 5,
} as const;
export type RefusalCode = (typeof CONNACK)[keyof typeof CONNACK];

/** A refused CONNECT; aedes sends `returnCode` in the CONNACK. The message never holds a secret. */
export class AuthError extends Error {
  override name = 'AuthError';
  constructor(
    message: string,
    readonly returnCode: RefusalCode,
    readonly reason: AuthFailureReason,
  ) {
    super(message);
  }
}

/** What the CONNECT packet said, as seen by aedes' preConnect hook. */
export interface ConnectInfo {
  clientId: string;
  clean: boolean;
  will?: PublishRequest | undefined;
}

const sha256 = (value: Buffer | string) => createHash('sha256').update(value).digest();

export interface AuthenticatorOptions {
  registry: RegistryReplica;
  serviceSecret: string;
  /** Called once per scrypt verification (cache misses), for metrics and tests. */
  onVerify?: () => void;
  /** Integration service accounts (`int:<name>`, MQTT_INTEGRATIONS). */
  integrations?: readonly IntegrationAccount[];
}

/**
 * @example
 * const auth = new Authenticator({ registry, serviceSecret });
 * auth.attach();
 * const identity = await auth.authenticate({ clientId: 'bus-k1-07', clean: true }, 'bus-k1-07', secretBuffer);
 */
export class Authenticator {
  private readonly registry: RegistryReplica;
  private readonly serviceDigest: Buffer;
  private readonly onVerify: () => void;
  private readonly cache = new Map<string, { digest: Buffer; secretHash: string }>();
  private readonly integrations: ReadonlyMap<string, IntegrationAccount>;
  /** Integration name -> SHA-256 of the secret that passed scrypt (the accounts never change at run time). */
  private readonly integrationCache = new Map<string, Buffer>();
  /**
   * Client id -> identity key of the identity that holds it, live or as a persistent session.
   * Without this a device could connect with a service's client id and, by [MQTT-3.1.4-2], take
   * over its connection or wipe its persistent session.
   */
  private readonly owners = new Map<string, string>();
  private readonly onDevice = (id: string, record: DeviceRecord | undefined) => {
    const cached = this.cache.get(id);
    if (cached && cached.secretHash !== record?.secretHash) this.cache.delete(id);
  };

  constructor(options: AuthenticatorOptions) {
    this.registry = options.registry;
    this.serviceDigest = sha256(options.serviceSecret);
    this.onVerify = options.onVerify ?? (() => {});
    this.integrations = new Map((options.integrations ?? []).map((a) => [a.name, a]));
  }

  attach(): void {
    this.registry.on('device', this.onDevice);
  }

  detach(): void {
    this.registry.off('device', this.onDevice);
    this.cache.clear();
    this.integrationCache.clear();
    this.owners.clear();
  }

  /** Resolves with the identity or rejects with an AuthError saying why (never with the password). */
  async authenticate(
    connect: ConnectInfo,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<Identity> {
    // [MQTT-3.1.3-8] a zero-length client id needs clean session; aedes 1.x accepts it anyway.
    if (connect.clientId.length === 0 && !connect.clean)
      throw new AuthError(
        'empty client id with clean session off',
        CONNACK.IDENTIFIER_REJECTED,
        'empty-client-id',
      );
    if (connect.clientId.length > MAX_CLIENT_ID_LENGTH)
      throw new AuthError(
        `client id longer than ${MAX_CLIENT_ID_LENGTH} characters`,
        CONNACK.IDENTIFIER_REJECTED,
        'client-id-too-long',
      );
    if (username === undefined || username.length === 0)
      throw new AuthError('no username (anonymous access is off)', CONNACK.NOT_AUTHORIZED, 'anonymous');
    if (password === undefined || password.length === 0)
      throw new AuthError('no password', CONNACK.BAD_USERNAME_OR_PASSWORD, 'missing-password');

    const identity = isServiceUser(username)
      ? this.authenticateService(username, password)
      : username.startsWith(INTEGRATION_USER_PREFIX)
        ? await this.authenticateIntegration(username, password)
        : await this.authenticateDevice(username, password);

    const problem = willProblem(identity, connect.will);
    if (problem)
      throw new AuthError(`last will refused: ${problem}`, CONNACK.NOT_AUTHORIZED, 'will-not-allowed');
    const owner = connect.clientId ? this.owners.get(connect.clientId) : undefined;
    if (owner !== undefined && owner !== identityKey(identity))
      throw new AuthError(
        'client id is held by another identity',
        CONNACK.IDENTIFIER_REJECTED,
        'client-id-taken',
      );
    return identity;
  }

  /** Records that `clientId` now belongs to `identity` (call when aedes registers the client). */
  claim(clientId: string, identity: Identity): void {
    this.owners.set(clientId, identityKey(identity));
  }

  /** Frees a client id when its connection ends, unless a persistent session keeps it. */
  release(clientId: string, identity: Identity, clean: boolean): void {
    if (clean && this.owners.get(clientId) === identityKey(identity)) this.owners.delete(clientId);
  }

  /** Drops client ids a deleted device held, so they are free again. */
  forget(identity: Identity): void {
    const key = identityKey(identity);
    for (const [clientId, owner] of this.owners) if (owner === key) this.owners.delete(clientId);
  }

  private authenticateService(username: string, password: Buffer): Identity {
    const name = username.slice(SERVICE_USER_PREFIX.length);
    if (name.length === 0 || !timingSafeEqual(sha256(password), this.serviceDigest))
      throw new AuthError(
        `wrong service secret for '${username.slice(0, 100)}'`,
        CONNACK.BAD_USERNAME_OR_PASSWORD,
        'bad-service-secret',
      );
    return { kind: 'service', name };
  }

  private async authenticateIntegration(username: string, password: Buffer): Promise<Identity> {
    const name = username.slice(INTEGRATION_USER_PREFIX.length);
    const account = this.integrations.get(name);
    if (!account)
      throw new AuthError(
        `no integration account '${username.slice(0, 100)}'`,
        CONNACK.BAD_USERNAME_OR_PASSWORD,
        'unknown-integration',
      );
    const digest = sha256(password);
    const cached = this.integrationCache.get(name);
    if (!cached || !timingSafeEqual(cached, digest)) {
      this.onVerify();
      if (!(await verifySecret(password.toString('utf8'), account.secretHash)))
        throw new AuthError(
          `wrong secret for '${username}'`,
          CONNACK.BAD_USERNAME_OR_PASSWORD,
          'bad-integration-secret',
        );
      this.integrationCache.set(name, digest);
    }
    return { kind: 'integration', name, rights: account.rights };
  }

  private async authenticateDevice(deviceId: string, password: Buffer): Promise<Identity> {
    const record = DEVICE_ID_PATTERN.test(deviceId) ? this.registry.devices.get(deviceId) : undefined;
    if (!record)
      throw new AuthError(
        `device '${deviceId.slice(0, 80)}' is not provisioned`,
        CONNACK.BAD_USERNAME_OR_PASSWORD,
        'unknown-device',
      );
    const digest = sha256(password);
    const cached = this.cache.get(deviceId);
    if (cached?.secretHash === record.secretHash && timingSafeEqual(cached.digest, digest))
      return { kind: 'device', deviceId, secretHash: record.secretHash };
    this.onVerify();
    const ok = await verifySecret(password.toString('utf8'), record.secretHash);
    if (!ok)
      throw new AuthError(
        `wrong secret for device '${deviceId}'`,
        CONNACK.BAD_USERNAME_OR_PASSWORD,
        'bad-secret',
      );
    // The record may have been deleted or re-keyed while scrypt ran; its event has then already
    // passed, so a session opened now on the old hash would never be ended.
    if (this.registry.devices.get(deviceId)?.secretHash !== record.secretHash)
      throw new AuthError(
        `device '${deviceId}' changed during verification`,
        CONNACK.BAD_USERNAME_OR_PASSWORD,
        'bad-secret',
      );
    this.cache.set(deviceId, { digest, secretHash: record.secretHash });
    return { kind: 'device', deviceId, secretHash: record.secretHash };
  }
}
