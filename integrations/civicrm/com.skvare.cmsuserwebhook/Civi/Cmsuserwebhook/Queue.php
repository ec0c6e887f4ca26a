<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * The CiviCRM queue holding calls to send later (civicrm_queue_item, queue name below).
 *
 * SqlParallel: claiming skips items whose release time lies ahead, so an item put back with a
 * later release time waits without blocking the items behind it. The queue has no core runner:
 * only this extension's scheduled job (CmsuserWebhook.deliver) works it.
 */
final class Queue {

  const NAME = 'com.skvare.cmsuserwebhook';

  public static function get(): \CRM_Queue_Queue {
    return \CRM_Queue_Service::singleton()->create([
      'type' => 'SqlParallel',
      'name' => self::NAME,
      'reset' => FALSE,
    ]);
  }

  /**
   * Adds an event, to be sent no earlier than $notBefore (Unix time; NULL = at the next run).
   */
  public static function add(array $event, ?int $notBefore = NULL): void {
    $options = $notBefore === NULL ? [] : ['release_time' => $notBefore];
    self::get()->createItem($event, $options);
  }

  /**
   * Puts a claimed item back with its updated event (attempt count) to be sent no earlier than
   * $notBefore. The row is updated in place, not deleted and added again: it keeps its
   * submit_time (when the event was first queued, which the system check reports as the
   * oldest waiting), and no crash between a delete and an insert can lose the event.
   */
  public static function retry(object $item, array $event, int $notBefore): void {
    \CRM_Core_DAO::executeQuery(
      'UPDATE civicrm_queue_item SET data = %1, release_time = FROM_UNIXTIME(%2) WHERE id = %3 AND queue_name = %4',
      [
        1 => [serialize($event), 'String'],
        2 => [$notBefore, 'Integer'],
        3 => [(int) $item->id, 'Integer'],
        4 => [self::NAME, 'String'],
      ]
    );
  }

  /**
   * Deletes every queued event (on uninstall).
   */
  public static function purge(): void {
    \CRM_Core_DAO::executeQuery('DELETE FROM civicrm_queue_item WHERE queue_name = %1', [1 => [self::NAME, 'String']]);
  }

  /**
   * Events waiting, and the Unix time the oldest of them was queued (NULL when none).
   *
   * @return array{count: int, oldest: ?int}
   */
  public static function backlog(): array {
    $row = \CRM_Core_DAO::executeQuery(
      'SELECT COUNT(*) AS n, UNIX_TIMESTAMP(MIN(submit_time)) AS oldest FROM civicrm_queue_item WHERE queue_name = %1',
      [1 => [self::NAME, 'String']]
    );
    $row->fetch();
    return ['count' => (int) $row->n, 'oldest' => $row->oldest === NULL ? NULL : (int) $row->oldest];
  }

}
