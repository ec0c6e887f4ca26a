<?php
/*
 * Configures the extension on the second site:
 *   CIVI_WEBHOOK_SECRET=… php boot.php configure.php <webhook url> <group name> <tag name>
 *   CIVI_WEBHOOK_SECRET=… php boot.php configure.php --show
 * Prints the settings (without the secret: only whether it is the one in the environment) and
 * what Config::problems() says, as JSON.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
[, $url, $group, $tag] = $argv + [NULL, 'http://127.0.0.1:8093/cmsuser/webhook', 'website_members', 'website_premium'];
$secret = (string) getenv('CIVI_WEBHOOK_SECRET');
$show = function (): void {
  $config = \Civi\Cmsuserwebhook\Config::load();
  echo json_encode([
    'url' => $config->url,
    'secretIsTheStateOne' => $config->secret === (string) getenv('CIVI_WEBHOOK_SECRET'),
    'groups' => $config->groups,
    'tags' => $config->tags,
    'timeout' => $config->timeout,
    'inlineLimit' => $config->inlineLimit,
    'maxAttempts' => $config->maxAttempts,
    'problems' => $config->problems(),
  ]), "\n";
};
if ($url === '--show') {
  // Only prints the settings (without the secret).
  $show();
  return;
}
if (strlen($secret) < 32) {
  fwrite(STDERR, "CIVI_WEBHOOK_SECRET must hold the secret (32 characters or more)\n");
  exit(2);
}
$groupId = (int) \Civi\Api4\Group::get(FALSE)->addWhere('name', '=', $group)->execute()->single()['id'];
$tagId = (int) \Civi\Api4\Tag::get(FALSE)->addWhere('name', '=', $tag)->execute()->single()['id'];
\Civi\Api4\Setting::set(FALSE)
  ->addValue('cmsuserwebhook_url', $url)
  ->addValue('cmsuserwebhook_secret', $secret)
  ->addValue('cmsuserwebhook_groups', [$groupId])
  ->addValue('cmsuserwebhook_tags', [$tagId])
  ->execute();
$show();
