<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

use CRM_Cmsuserwebhook_ExtensionUtil as E;
use Psr\Log\LogLevel;

/**
 * What the extension remembers about its calls, and the system check that shows it
 * (Administer » Administration Console » System Status).
 */
final class Status {

  /** A backlog whose oldest event is older than this is a warning. */
  const STALE_BACKLOG_SECONDS = 3600;

  public static function delivered(): void {
    \Civi::settings()->set('cmsuserwebhook_last_success_at', time());
  }

  public static function failed(string $detail): void {
    \Civi::settings()->set('cmsuserwebhook_last_failure_at', time());
    \Civi::settings()->set('cmsuserwebhook_last_failure', substr($detail, 0, 500));
  }

  public static function dropped(array $event, string $why): void {
    \Civi::settings()->set('cmsuserwebhook_dropped', (int) \Civi::settings()->get('cmsuserwebhook_dropped') + 1);
    \Civi::log()->error('cmsuserwebhook: gave up event {event} for contact {contact} ({entity} {source}): {why}. The host\'s scheduled run will still find the contact in its trigger.', [
      'event' => $event['eventId'] ?? '?',
      'contact' => $event['contactId'] ?? '?',
      'entity' => $event['entity'] ?? '?',
      'source' => $event['sourceId'] ?? '?',
      'why' => $why,
    ]);
  }

  /**
   * Implements the work of hook_civicrm_check.
   */
  public static function check(array &$messages): void {
    $config = Config::load();
    $problems = $config->problems();
    $settingsUrl = \CRM_Utils_System::url('civicrm/admin/cmsuserwebhook', 'reset=1');
    if ($problems) {
      $messages[] = new \CRM_Utils_Check_Message(
        'cmsuserwebhook_config',
        E::ts('Contacts joining trigger groups or tags are not sent to Skvare.CmsUser: %1 <a href="%2">Configure the webhook</a>.', [
          1 => htmlspecialchars(implode(' ', $problems)),
          2 => $settingsUrl,
        ]),
        E::ts('CMS User Webhook: not configured'),
        LogLevel::WARNING,
        'fa-plug'
      );
      return;
    }

    $settings = \Civi::settings();
    $lastSuccess = (int) $settings->get('cmsuserwebhook_last_success_at');
    $lastFailureAt = (int) $settings->get('cmsuserwebhook_last_failure_at');
    $lastFailure = (string) $settings->get('cmsuserwebhook_last_failure');
    $dropped = (int) $settings->get('cmsuserwebhook_dropped');
    $backlog = Queue::backlog();
    $now = time();

    $lines = [];
    $lines[] = $lastSuccess
      ? E::ts('Last call accepted: %1.', [1 => \CRM_Utils_Date::customFormat(date('Y-m-d H:i:s', $lastSuccess))])
      : E::ts('No call has been accepted yet.');
    $lines[] = E::ts('Waiting in the queue: %1.', [1 => $backlog['count']]);
    if ($backlog['oldest'] !== NULL) {
      $lines[] = E::ts('Oldest waiting since: %1.', [1 => \CRM_Utils_Date::customFormat(date('Y-m-d H:i:s', $backlog['oldest']))]);
    }
    if ($lastFailureAt >= $lastSuccess && $lastFailureAt > 0 && $lastFailure !== '') {
      $lines[] = E::ts('Last failure (%1): %2', [
        1 => \CRM_Utils_Date::customFormat(date('Y-m-d H:i:s', $lastFailureAt)),
        2 => htmlspecialchars($lastFailure),
      ]);
    }
    if ($dropped > 0) {
      $lines[] = E::ts('Events given up so far: %1 (see the CiviCRM log; the scheduled runs of Skvare.CmsUser still provision those contacts).', [1 => $dropped]);
    }

    $refused = $lastFailureAt >= $lastSuccess && $lastFailureAt > 0 ? self::refusal($lastFailure) : NULL;
    if ($refused !== NULL) {
      $lines[] = $refused . ' ' . E::ts('Queued calls are sent again once it is fixed. <a href="%1">Webhook settings</a>.', [1 => $settingsUrl]);
    }

    $stale = $backlog['oldest'] !== NULL && $now - $backlog['oldest'] > self::STALE_BACKLOG_SECONDS;
    $level = $stale || $refused !== NULL ? LogLevel::WARNING : LogLevel::INFO;
    $title = $refused !== NULL
      ? E::ts('CMS User Webhook: the host refuses the calls')
      : ($stale ? E::ts('CMS User Webhook: calls are waiting for the host') : E::ts('CMS User Webhook'));
    $messages[] = new \CRM_Utils_Check_Message('cmsuserwebhook_status', implode('<br />', $lines), $title, $level, 'fa-exchange');
  }

  /**
   * What an administrator has to fix when the last call got an answer that no retry can change
   * by itself (a wrong secret or clock: 401; a wrong URL: 404, 405), or NULL for any other
   * failure (the host down or busy heals on its own; a refused body is counted as given up).
   */
  private static function refusal(string $lastFailure): ?string {
    if (!preg_match('/^HTTP (\d{3})\b/', $lastFailure, $match)) {
      return NULL;
    }
    switch ((int) $match[1]) {
      case 401:
        return E::ts('The host does not accept the signature: the shared secret here must be the same as CmsUser:Webhook:Secret on the host, and both clocks must be right (within 5 minutes).');

      case 404:
      case 405:
        return E::ts('The Webhook URL does not lead to the webhook: use the address of the route the host maps with MapCmsUserWebhook, e.g. https://provisioner.example.org/cmsuser/webhook (the path included).');

      default:
        return NULL;
    }
  }

}
