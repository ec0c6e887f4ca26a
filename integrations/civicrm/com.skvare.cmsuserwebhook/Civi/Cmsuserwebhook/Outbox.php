<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * Collects trigger joins from hook_civicrm_post and sends them only once the database
 * transaction that made them has committed: a rolled-back join is never announced, and the
 * host, which reads CiviCRM when called, always finds the contact in the group or tag.
 *
 * GroupContact reaches hook_civicrm_post in two shapes: the bulk path (objectId = group id,
 * objectRef = list of contact ids; the status is not passed, so Pending joins are filtered out
 * after commit) and the record path (objectRef = the GroupContact DAO, for API4 create/save).
 * EntityTag likewise: [contact ids, entity table] with objectId = tag id, or the EntityTag DAO.
 */
final class Outbox {

  /**
   * Joins seen in the current transaction, keyed "Group:<gid>:<cid>", "GroupContact:<id>" or "Tag:<tid>:<cid>".
   *
   * @var array<string, array>
   */
  private static $pending = [];

  /**
   * Implements the work of hook_civicrm_post. Never throws: a failure here must not break the
   * page or API call that changed the group.
   */
  public static function onPost(string $op, string $objectName, $objectId, $objectRef): void {
    try {
      if ($objectName === 'GroupContact' && ($op === 'create' || $op === 'edit')) {
        $config = Config::load();
        if ($config->groups) {
          self::collectGroup($config->groups, $objectId, $objectRef);
        }
      }
      elseif ($objectName === 'EntityTag' && $op === 'create') {
        $config = Config::load();
        if ($config->tags) {
          self::collectTag($config->tags, $objectId, $objectRef);
        }
      }
      else {
        return;
      }
      if (!self::$pending) {
        return;
      }
      if (\CRM_Core_Transaction::isActive()) {
        // One callback per transaction (same id replaces), whatever the number of joins.
        \CRM_Core_Transaction::addCallback(\CRM_Core_Transaction::PHASE_POST_COMMIT, [self::class, 'flush'], [], 'cmsuserwebhook_flush');
        \CRM_Core_Transaction::addCallback(\CRM_Core_Transaction::PHASE_POST_ROLLBACK, [self::class, 'discard'], [], 'cmsuserwebhook_discard');
      }
      else {
        // Autocommit: the write is already durable.
        self::flush();
      }
    }
    catch (\Throwable $e) {
      \Civi::log()->error('cmsuserwebhook: could not note a trigger join: {message}', ['message' => $e->getMessage()]);
    }
  }

  /**
   * The transaction rolled back: nothing it did happened.
   */
  public static function discard(): void {
    self::$pending = [];
  }

  /**
   * After commit: confirm each join against the committed data, then send a few at once and
   * queue the rest (and everything after a failed call) for the scheduled job.
   */
  public static function flush(): void {
    $pending = self::$pending;
    self::$pending = [];
    if (!$pending) {
      return;
    }
    try {
      $config = Config::load();
      if ($config->problems()) {
        \Civi::log()->warning('cmsuserwebhook: {count} trigger join(s) not sent, the extension is not configured: {problems}', [
          'count' => count($pending),
          'problems' => implode(' ', $config->problems()),
        ]);
        return;
      }
      Delivery::deliverOrQueue(self::confirm($pending, $config), $config);
    }
    catch (\Throwable $e) {
      // The contacts stay in their trigger group or tag: the host's scheduled run still finds them.
      \Civi::log()->error('cmsuserwebhook: could not send or queue {count} trigger join(s): {message}', ['count' => count($pending), 'message' => $e->getMessage()]);
    }
  }

  private static function collectGroup(array $groups, $objectId, $objectRef): void {
    if (is_object($objectRef)) {
      if (isset($objectRef->status) && $objectRef->status !== '' && $objectRef->status !== 'Added') {
        return;
      }
      $groupId = (int) ($objectRef->group_id ?? 0);
      $contactId = (int) ($objectRef->contact_id ?? 0);
      if ($groupId > 0 && $contactId > 0) {
        if (in_array($groupId, $groups, TRUE)) {
          self::$pending["Group:$groupId:$contactId"] = ['kind' => 'Group', 'sourceId' => $groupId, 'contactId' => $contactId];
        }
      }
      elseif (!empty($objectRef->id)) {
        // An edit by id (e.g. status back to Added): resolve group and contact after commit.
        $id = (int) $objectRef->id;
        self::$pending["GroupContact:$id"] = ['kind' => 'GroupContact', 'id' => $id];
      }
      return;
    }
    $groupId = (int) $objectId;
    if (!in_array($groupId, $groups, TRUE) || !is_array($objectRef)) {
      return;
    }
    foreach ($objectRef as $contactId) {
      if (is_numeric($contactId) && (int) $contactId > 0) {
        $contactId = (int) $contactId;
        self::$pending["Group:$groupId:$contactId"] = ['kind' => 'Group', 'sourceId' => $groupId, 'contactId' => $contactId];
      }
    }
  }

  private static function collectTag(array $tags, $objectId, $objectRef): void {
    if (is_object($objectRef)) {
      $tagId = (int) ($objectRef->tag_id ?? 0);
      $contactId = (int) ($objectRef->entity_id ?? 0);
      $table = $objectRef->entity_table ?? 'civicrm_contact';
      if ($table === 'civicrm_contact' && $contactId > 0 && in_array($tagId, $tags, TRUE)) {
        self::$pending["Tag:$tagId:$contactId"] = ['kind' => 'Tag', 'sourceId' => $tagId, 'contactId' => $contactId];
      }
      return;
    }
    $tagId = (int) $objectId;
    if (!in_array($tagId, $tags, TRUE) || !is_array($objectRef)) {
      return;
    }
    $contactIds = $objectRef[0] ?? [];
    $table = $objectRef[1] ?? 'civicrm_contact';
    if ($table !== 'civicrm_contact' || !is_array($contactIds)) {
      return;
    }
    foreach ($contactIds as $contactId) {
      if (is_numeric($contactId) && (int) $contactId > 0) {
        $contactId = (int) $contactId;
        self::$pending["Tag:$tagId:$contactId"] = ['kind' => 'Tag', 'sourceId' => $tagId, 'contactId' => $contactId];
      }
    }
  }

  /**
   * Keeps only joins that are committed as they were announced (status Added, tag present) and
   * turns them into events.
   *
   * @return array[]
   */
  private static function confirm(array $pending, Config $config): array {
    $now = time();
    $events = [];
    $groupIds = $contactIdsForGroups = $groupContactIds = $tagIds = $contactIdsForTags = [];
    foreach ($pending as $join) {
      if ($join['kind'] === 'Group') {
        $groupIds[$join['sourceId']] = TRUE;
        $contactIdsForGroups[$join['contactId']] = TRUE;
      }
      elseif ($join['kind'] === 'GroupContact') {
        $groupContactIds[] = $join['id'];
      }
      else {
        $tagIds[$join['sourceId']] = TRUE;
        $contactIdsForTags[$join['contactId']] = TRUE;
      }
    }

    if ($groupIds) {
      $added = \Civi\Api4\GroupContact::get(FALSE)
        ->addSelect('group_id', 'contact_id', 'group_id.name')
        ->addWhere('group_id', 'IN', array_keys($groupIds))
        ->addWhere('contact_id', 'IN', array_keys($contactIdsForGroups))
        ->addWhere('status', '=', 'Added')
        ->execute();
      foreach ($added as $row) {
        $key = 'Group:' . (int) $row['group_id'] . ':' . (int) $row['contact_id'];
        // The query spans every pair of these groups and contacts; keep the pairs that joined now.
        if (isset($pending[$key])) {
          $events[$key] = Payload::event(Payload::newEventId(), (int) $row['contact_id'], 'Group', (int) $row['group_id'], $row['group_id.name'] ?? NULL, $now);
        }
      }
    }
    if ($groupContactIds) {
      $edited = \Civi\Api4\GroupContact::get(FALSE)
        ->addSelect('group_id', 'contact_id', 'group_id.name')
        ->addWhere('id', 'IN', $groupContactIds)
        ->addWhere('group_id', 'IN', $config->groups)
        ->addWhere('status', '=', 'Added')
        ->execute();
      foreach ($edited as $row) {
        $key = 'Group:' . (int) $row['group_id'] . ':' . (int) $row['contact_id'];
        $events[$key] = Payload::event(Payload::newEventId(), (int) $row['contact_id'], 'Group', (int) $row['group_id'], $row['group_id.name'] ?? NULL, $now);
      }
    }

    if ($tagIds) {
      $tagged = \Civi\Api4\EntityTag::get(FALSE)
        ->addSelect('tag_id', 'entity_id', 'tag_id.name')
        ->addWhere('entity_table', '=', 'civicrm_contact')
        ->addWhere('tag_id', 'IN', array_keys($tagIds))
        ->addWhere('entity_id', 'IN', array_keys($contactIdsForTags))
        ->execute();
      foreach ($tagged as $row) {
        $key = 'Tag:' . (int) $row['tag_id'] . ':' . (int) $row['entity_id'];
        if (isset($pending[$key])) {
          $events[$key] = Payload::event(Payload::newEventId(), (int) $row['entity_id'], 'Tag', (int) $row['tag_id'], $row['tag_id.name'] ?? NULL, $now);
        }
      }
    }
    return array_values($events);
  }

}
