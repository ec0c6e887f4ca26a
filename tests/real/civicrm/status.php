<?php
/*
 * Prints the extension's queue and state, and its system check messages, as JSON:
 *   php boot.php status.php
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
$items = [];
$dao = CRM_Core_DAO::executeQuery('SELECT id, submit_time, release_time, data FROM civicrm_queue_item WHERE queue_name = %1 ORDER BY id', [1 => [\Civi\Cmsuserwebhook\Queue::NAME, 'String']]);
while ($dao->fetch()) {
  $data = unserialize($dao->data, ['allowed_classes' => FALSE]);
  $items[] = ['id' => (int) $dao->id, 'submit_time' => $dao->submit_time, 'release_time' => $dao->release_time, 'contactId' => $data['contactId'] ?? NULL, 'eventId' => $data['eventId'] ?? NULL, 'attempt' => $data['attempt'] ?? NULL];
}
$settings = Civi::settings();
$messages = [];
foreach (civicrm_api3('System', 'check', ['name' => ['IN' => ['cmsuserwebhook_status', 'cmsuserwebhook_config']]])['values'] as $message) {
  $messages[] = ['name' => $message['name'], 'severity' => $message['severity'], 'title' => $message['title'], 'message' => $message['message']];
}
echo json_encode([
  'queue' => $items,
  'last_success_at' => (int) $settings->get('cmsuserwebhook_last_success_at'),
  'last_failure_at' => (int) $settings->get('cmsuserwebhook_last_failure_at'),
  'last_failure' => $settings->get('cmsuserwebhook_last_failure'),
  'dropped' => (int) $settings->get('cmsuserwebhook_dropped'),
  'check' => $messages,
], JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES), "\n";
