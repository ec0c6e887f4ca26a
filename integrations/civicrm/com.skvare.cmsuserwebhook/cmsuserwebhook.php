<?php
/*
 * com.skvare.cmsuserwebhook: tells Skvare.CmsUser, in real time, when a contact joins a trigger
 * group or tag, through its signed webhook; queues and retries when the host does not answer.
 *
 * Copyright (C) Skvare.CmsUser contributors.
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * This program is free software; you can redistribute it and/or modify it under the terms of
 * the GNU General Public License as published by the Free Software Foundation; either version 2
 * of the License, or (at your option) any later version. See the LICENSE file.
 *
 * Only CiviCRM APIs are used (hooks, settings, queue, scheduled jobs, Guzzle as shipped with
 * CiviCRM), so the extension runs the same on WordPress, Drupal, Backdrop, Joomla and Standalone.
 */

use CRM_Cmsuserwebhook_ExtensionUtil as E;

/**
 * Implements hook_civicrm_config().
 *
 * Puts the extension on the include path so CiviCRM finds its API (api/v3/CmsuserWebhook).
 */
function cmsuserwebhook_civicrm_config(&$config): void {
  static $done = FALSE;
  if ($done) {
    return;
  }
  $done = TRUE;
  set_include_path(__DIR__ . PATH_SEPARATOR . get_include_path());
}

/**
 * Implements hook_civicrm_uninstall().
 *
 * Removes what the extension kept in the database: its queued calls and its settings, the
 * shared secret included (CiviCRM leaves both behind otherwise).
 */
function cmsuserwebhook_civicrm_uninstall(): void {
  \Civi\Cmsuserwebhook\Queue::purge();
  \Civi\Cmsuserwebhook\Config::forget();
}

/**
 * Implements hook_civicrm_post().
 *
 * Notes contacts joining a trigger group (GroupContact create/edit, status Added) or tag
 * (EntityTag create); they are sent after the transaction commits, never inside it.
 */
function cmsuserwebhook_civicrm_post($op, $objectName, $objectId, &$objectRef): void {
  if ($objectName !== 'GroupContact' && $objectName !== 'EntityTag') {
    return;
  }
  \Civi\Cmsuserwebhook\Outbox::onPost((string) $op, (string) $objectName, $objectId, $objectRef);
}

/**
 * Implements hook_civicrm_check().
 *
 * Shows the configuration, the last accepted call and the backlog on the System Status page.
 */
function cmsuserwebhook_civicrm_check(&$messages, $statusNames = [], $includeDisabled = FALSE): void {
  if ($statusNames && !array_intersect($statusNames, ['cmsuserwebhook_status', 'cmsuserwebhook_config'])) {
    return;
  }
  try {
    \Civi\Cmsuserwebhook\Status::check($messages);
  }
  catch (\Throwable $e) {
    $messages[] = new CRM_Utils_Check_Message(
      'cmsuserwebhook_status',
      E::ts('The status of the webhook could not be read: %1', [1 => htmlspecialchars($e->getMessage())]),
      E::ts('CMS User Webhook'),
      \Psr\Log\LogLevel::ERROR,
      'fa-exchange'
    );
  }
}

/**
 * Implements hook_civicrm_navigationMenu().
 *
 * Adds "CMS User Webhook" under Administer » System Settings.
 */
function cmsuserwebhook_civicrm_navigationMenu(&$menu): void {
  $item = [
    'label' => E::ts('CMS User Webhook'),
    'name' => 'cmsuserwebhook_settings',
    'url' => 'civicrm/admin/cmsuserwebhook?reset=1',
    'permission' => 'administer CiviCRM',
    'operator' => 'OR',
    'separator' => 0,
  ];
  _cmsuserwebhook_add_menu_item($menu, ['Administer', 'System Settings'], $item);
}

/**
 * Appends $item below the menu entry reached by the names in $path; returns whether it did.
 */
function _cmsuserwebhook_add_menu_item(array &$menu, array $path, array $item): bool {
  $name = array_shift($path);
  foreach ($menu as &$entry) {
    if (($entry['attributes']['name'] ?? NULL) !== $name) {
      continue;
    }
    if ($path) {
      if (!isset($entry['child']) || !is_array($entry['child'])) {
        return FALSE;
      }
      return _cmsuserwebhook_add_menu_item($entry['child'], $path, $item);
    }
    foreach ($entry['child'] ?? [] as $child) {
      if (($child['attributes']['name'] ?? NULL) === $item['name']) {
        return TRUE;
      }
    }
    $ids = [];
    array_walk_recursive($menu, function ($value, $key) use (&$ids) {
      if ($key === 'navID' && is_numeric($value)) {
        $ids[] = (int) $value;
      }
    });
    $entry['child'][] = ['attributes' => $item + ['navID' => ($ids ? max($ids) : 0) + 1, 'active' => 1]];
    return TRUE;
  }
  return FALSE;
}
