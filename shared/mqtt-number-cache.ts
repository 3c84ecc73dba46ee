/**
 * mqtt-packet, the encoder of aedes and mqtt.js, by default builds on the first packet a process
 * writes a cache of every two-byte number (65,536 Buffers) to save one 2-byte allocation per
 * number written (a message id, a topic length: two or three per publish). That cache is about
 * 6 MiB of heap in every process that speaks MQTT (heap snapshot of the broker at 10,000
 * devices, session 6), for an allocation from Node's buffer pool that costs well under a
 * microsecond. Its documented switch `writeToStream.cacheNumbers = false` encodes without it.
 */
import mqttPacket from 'mqtt-packet';

/**
 * Idempotent; call before the process writes its first MQTT packet (a cache already built stays).
 *
 * @example
 * skipMqttNumberCache();
 * mqtt.connect(url); // encodes message ids without the 65,536-entry cache
 */
export function skipMqttNumberCache(): void {
  mqttPacket.writeToStream.cacheNumbers = false;
}
