<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

namespace Civi\Cmsuserwebhook;

/**
 * The extension's settings, read from CiviCRM settings (settings/cmsuserwebhook.setting.php).
 */
final class Config {

  /** Shortest secret, the same rule as the .NET host (CmsUser:Webhook:Secret). */
  const MIN_SECRET_LENGTH = 32;

  /** @var string */
  public $url;

  /** @var string */
  public $secret;

  /** @var int[] */
  public $groups;

  /** @var int[] */
  public $tags;

  /** @var int */
  public $timeout;

  /** @var int */
  public $inlineLimit;

  /** @var int */
  public $maxAttempts;

  public static function load(): self {
    $settings = \Civi::settings();
    $config = new self();
    $config->url = trim((string) $settings->get('cmsuserwebhook_url'));
    $config->secret = (string) $settings->get('cmsuserwebhook_secret');
    $config->groups = self::ids($settings->get('cmsuserwebhook_groups'));
    $config->tags = self::ids($settings->get('cmsuserwebhook_tags'));
    $config->timeout = max(1, min(120, (int) ($settings->get('cmsuserwebhook_timeout') ?: 10)));
    $config->inlineLimit = max(0, min(100, (int) ($settings->get('cmsuserwebhook_inline_limit') ?? 5)));
    $config->maxAttempts = max(1, min(50, (int) ($settings->get('cmsuserwebhook_max_attempts') ?: 12)));
    return $config;
  }

  /**
   * What is missing before calls can be sent, or an empty list.
   *
   * @return string[]
   */
  public function problems(): array {
    $problems = [];
    if (($why = self::urlProblem($this->url)) !== NULL) {
      $problems[] = $why;
    }
    if (strlen($this->secret) < self::MIN_SECRET_LENGTH) {
      $problems[] = sprintf('The shared secret must have at least %d characters.', self::MIN_SECRET_LENGTH);
    }
    if (!$this->groups && !$this->tags) {
      $problems[] = 'No trigger group or tag is selected.';
    }
    return $problems;
  }

  /**
   * Why a webhook URL is not usable, or NULL. HTTPS is required except for a loopback host.
   */
  public static function urlProblem(string $url): ?string {
    if ($url === '') {
      return 'The webhook URL is empty.';
    }
    $parts = parse_url($url);
    if (!is_array($parts) || empty($parts['scheme']) || empty($parts['host'])) {
      return 'The webhook URL is not an absolute URL.';
    }
    $scheme = strtolower($parts['scheme']);
    $loopback = in_array(strtolower(trim($parts['host'], '[]')), ['localhost', '127.0.0.1', '::1'], TRUE);
    if ($scheme !== 'https' && !($scheme === 'http' && $loopback)) {
      return 'The webhook URL must use https (plain http only to localhost): the request carries contact ids.';
    }
    return NULL;
  }

  /**
   * Deletes the extension's settings in every domain, the secret and the state included (on
   * uninstall: reverting a setting would only set it to NULL and keep its row).
   */
  public static function forget(): void {
    $names = array_keys(include dirname(__DIR__, 2) . '/settings/cmsuserwebhook.setting.php');
    $params = $placeholders = [];
    foreach (array_values($names) as $i => $name) {
      $params[$i + 1] = [$name, 'String'];
      $placeholders[] = '%' . ($i + 1);
    }
    \CRM_Core_DAO::executeQuery('DELETE FROM civicrm_setting WHERE name IN (' . implode(', ', $placeholders) . ')', $params);
    \Civi::service('settings_manager')->flush();
  }

  public function sender(?Transport $transport = NULL): Sender {
    return new Sender($this->url, $this->secret, $this->timeout, $transport ?? new GuzzleTransport());
  }

  /**
   * @return int[]
   */
  private static function ids($value): array {
    if (is_string($value)) {
      $value = preg_split('/[\s,]+/', $value, -1, PREG_SPLIT_NO_EMPTY);
    }
    $ids = [];
    foreach ((array) $value as $id) {
      if (is_numeric($id) && (int) $id > 0) {
        $ids[(int) $id] = (int) $id;
      }
    }
    return array_values($ids);
  }

}
