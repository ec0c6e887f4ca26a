<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * The body of one webhook call: one contact that joined one trigger group or tag.
 *
 * {"eventId":"…","contactId":42,"source":{"entity":"Group","id":7,"name":"website_members"},"occurredAt":"2026-11-25T12:00:00+00:00"}
 *
 * The event id stays the same across retries of one event; the timestamp and signature do not.
 * No CiviCRM dependency.
 */
final class Payload {

  /**
   * A new random event id (RFC 4122 version 4 UUID).
   */
  public static function newEventId(): string {
    $bytes = random_bytes(16);
    $bytes[6] = chr((ord($bytes[6]) & 0x0f) | 0x40);
    $bytes[8] = chr((ord($bytes[8]) & 0x3f) | 0x80);
    $hex = bin2hex($bytes);
    return sprintf('%s-%s-%s-%s-%s', substr($hex, 0, 8), substr($hex, 8, 4), substr($hex, 12, 4), substr($hex, 16, 4), substr($hex, 20, 12));
  }

  /**
   * An event as stored in the queue (plain array, serialisable).
   *
   * @param string $entity
   *   'Group' or 'Tag'.
   */
  public static function event(string $eventId, int $contactId, string $entity, int $sourceId, ?string $sourceName, int $occurredAt): array {
    if ($contactId <= 0 || $sourceId <= 0) {
      throw new \InvalidArgumentException('Contact and group/tag ids are positive numbers.');
    }
    if (!in_array($entity, ['Group', 'Tag'], TRUE)) {
      throw new \InvalidArgumentException('The source entity is Group or Tag.');
    }
    return [
      'eventId' => $eventId,
      'contactId' => $contactId,
      'entity' => $entity,
      'sourceId' => $sourceId,
      'sourceName' => $sourceName,
      'occurredAt' => $occurredAt,
      'attempt' => 0,
    ];
  }

  /**
   * The JSON body sent for an event. The bytes returned are the bytes signed and sent.
   */
  public static function body(array $event): string {
    $source = ['entity' => $event['entity'], 'id' => (int) $event['sourceId']];
    if (isset($event['sourceName']) && $event['sourceName'] !== '') {
      $source['name'] = (string) $event['sourceName'];
    }
    $json = json_encode([
      'eventId' => (string) $event['eventId'],
      'contactId' => (int) $event['contactId'],
      'source' => $source,
      'occurredAt' => gmdate('Y-m-d\TH:i:s\Z', (int) $event['occurredAt']),
    ], JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE | JSON_THROW_ON_ERROR);
    return $json;
  }

}
