<?php
/*
 * The extension's CiviCRM-facing code (hook, post-commit flush, queue, retries, system check)
 * run under plain php-cli against stand-ins of the CiviCRM classes it calls
 * (Harness/civicrm-stubs.php):
 *
 *   php integrations/civicrm/com.skvare.cmsuserwebhook/tests/civicrm.php
 *
 * Prints "PHP checks: N passed, M failed"; exits non-zero when anything failed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

declare(strict_types=1);

require_once __DIR__ . '/Harness/civicrm-stubs.php';
require_once __DIR__ . '/Harness/check.php';
require_once dirname(__DIR__) . '/CRM/Cmsuserwebhook/ExtensionUtil.php';
load_classes(['Signer', 'Payload', 'Backoff', 'Verdict', 'Transport', 'Sender', 'Config', 'Queue', 'Status', 'Delivery', 'Outbox']);
require_once dirname(__DIR__) . '/cmsuserwebhook.php';
require_once dirname(__DIR__) . '/CRM/Cmsuserwebhook/Form/Settings.php';

use Civi\Cmsuserwebhook\Delivery;
use Civi\Cmsuserwebhook\Queue;
use Civi\Cmsuserwebhook\Signer;
use Civi\Cmsuserwebhook\Transport;

/** Records calls; answers with the status the test sets. */
final class FakeHost implements Transport {
  public $calls = [];
  public $status = 200;
  /** Statuses for single contacts (contact id => status), before $status. */
  public $statusFor = [];
  /** The answer's body; NULL = the usual one for the status. */
  public $body = NULL;

  public function post(string $url, array $headers, string $body, int $timeout): array {
    $ts = (int) $headers[Signer::TIMESTAMP_HEADER];
    $this->calls[] = ['body' => json_decode($body, TRUE), 'signed' => hash_equals(Signer::signature(SECRET, $ts, $body), $headers[Signer::SIGNATURE_HEADER])];
    $contactId = json_decode($body, TRUE)['contactId'];
    if (isset($this->statusFor[$contactId])) {
      return ['status' => $this->statusFor[$contactId], 'body' => '{"contactId":' . $contactId . ',"outcome":"Skipped","error":{"kind":"Permanent","code":"attempts_used_up","message":"used up"}}', 'error' => NULL];
    }
    return $this->status === 0
      ? ['status' => 0, 'body' => '', 'error' => 'Connection refused']
      : ['status' => $this->status, 'body' => $this->body ?? ($this->status === 503 ? '{"outcome":"Failed","error":{"kind":"Transient","code":"unavailable","message":"CiviCRM down"}}' : '{"outcome":"Created"}'), 'error' => NULL];
  }
}

const SECRET = 'shared-secret-shared-secret-shared-secret';
const MEMBERS = 7;
const OTHER = 8;
const NEEDS_LOGIN = 12;

function fresh(array $settings = []): FakeHost {
  Civi::$settings = new StubSettings();
  Civi::$log = new StubLog();
  Civi::$settings->values = $settings + [
    'cmsuserwebhook_url' => 'https://provisioner.example.org/cmsuser/webhook',
    'cmsuserwebhook_secret' => SECRET,
    'cmsuserwebhook_groups' => [MEMBERS],
    'cmsuserwebhook_tags' => [NEEDS_LOGIN],
    'cmsuserwebhook_timeout' => 5,
    'cmsuserwebhook_inline_limit' => 5,
    'cmsuserwebhook_max_attempts' => 4,
  ];
  CRM_Queue_Service::$queues = [];
  CRM_Core_Transaction::$depth = 0;
  CRM_Core_Transaction::$callbacks = [];
  StubData::$tables = ['GroupContact' => [], 'EntityTag' => []];
  StubData::$queries = [];
  StubData::$deletedSettings = [];
  StubData::$flushedSettings = 0;
  TestClock::$offset = 0;
  $host = new FakeHost();
  Delivery::setTransport($host);
  return $host;
}

function addToGroup(int $groupId, array $contactIds, string $status = 'Added'): void {
  static $id = 100;
  foreach ($contactIds as $cid) {
    StubData::$tables['GroupContact'][] = ['id' => ++$id, 'group_id' => $groupId, 'contact_id' => $cid, 'status' => $status, 'group_id.name' => "group_$groupId"];
  }
  // What CRM_Contact_BAO_GroupContact::bulkAddContactsToGroup passes to hook_civicrm_post.
  $ref = $contactIds;
  cmsuserwebhook_civicrm_post('create', 'GroupContact', $groupId, $ref);
}

function backlog(): int {
  return Queue::backlog()['count'];
}

// ---- Nothing is sent inside the transaction; everything confirmed is sent after commit.
$host = fresh();
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, [42, 43]);
check(count($host->calls) === 0, 'nothing is sent while the transaction is open');
CRM_Core_Transaction::end(TRUE);
check(count($host->calls) === 2, 'both joins are sent after commit');
check(array_column(array_column($host->calls, 'body'), 'contactId') === [42, 43], 'in order, one call per contact');
check($host->calls[0]['signed'], 'the call is signed with the secret');
check($host->calls[0]['body']['source'] === ['entity' => 'Group', 'id' => MEMBERS, 'name' => 'group_7'], 'the call names the group');
check($host->calls[0]['body']['eventId'] !== $host->calls[1]['body']['eventId'], 'each join has its own event id');
check((int) Civi::$settings->get('cmsuserwebhook_last_success_at') > 0, 'the last success is recorded');
check(backlog() === 0, 'nothing queued');

// ---- A rolled-back transaction announces nothing.
$host = fresh();
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, [42]);
CRM_Core_Transaction::end(FALSE);
CRM_Core_Transaction::begin();
CRM_Core_Transaction::end(TRUE);
check(count($host->calls) === 0 && backlog() === 0, 'a rollback sends and queues nothing, even after a later commit');

// ---- Without a transaction (autocommit) the join is sent at once.
$host = fresh();
addToGroup(MEMBERS, [42]);
check(count($host->calls) === 1, 'autocommit: sent at once');

// ---- Other groups, Pending joins, other tables are not triggers.
$host = fresh();
addToGroup(OTHER, [42]);
addToGroup(MEMBERS, [44], 'Pending');
check(count($host->calls) === 0, 'a join to another group or a Pending (double opt-in) join sends nothing');

// ---- The record path (API4 GroupContact create/save passes the DAO).
$host = fresh();
StubData::$tables['GroupContact'][] = ['id' => 900, 'group_id' => MEMBERS, 'contact_id' => 50, 'status' => 'Added', 'group_id.name' => 'group_7'];
$dao = (object) ['id' => 900, 'group_id' => MEMBERS, 'contact_id' => 50, 'status' => 'Added'];
cmsuserwebhook_civicrm_post('create', 'GroupContact', 900, $dao);
$pending = (object) ['id' => 901, 'group_id' => MEMBERS, 'contact_id' => 51, 'status' => 'Pending'];
cmsuserwebhook_civicrm_post('create', 'GroupContact', 901, $pending);
check(count($host->calls) === 1 && $host->calls[0]['body']['contactId'] === 50, 'API4 create with status Added is sent, Pending is not');
$host = fresh();
StubData::$tables['GroupContact'][] = ['id' => 902, 'group_id' => MEMBERS, 'contact_id' => 52, 'status' => 'Added', 'group_id.name' => 'group_7'];
$edit = (object) ['id' => 902];
cmsuserwebhook_civicrm_post('edit', 'GroupContact', 902, $edit);
check(count($host->calls) === 1 && $host->calls[0]['body']['contactId'] === 52, 'an edit by id back to Added is resolved after commit and sent');

// ---- Pairs across a bulk add: only the pairs that joined now.
$host = fresh(['cmsuserwebhook_groups' => [MEMBERS, OTHER]]);
StubData::$tables['GroupContact'][] = ['id' => 1, 'group_id' => OTHER, 'contact_id' => 42, 'status' => 'Added', 'group_id.name' => 'group_8'];
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, [42]);
addToGroup(OTHER, [43]);
CRM_Core_Transaction::end(TRUE);
$pairs = array_map(fn($c) => $c['body']['source']['id'] . ':' . $c['body']['contactId'], $host->calls);
sort($pairs);
check($pairs === ['7:42', '8:43'], 'an earlier membership (8:42) is not announced again');

// ---- Tags, both hook shapes; other entity tables ignored.
$host = fresh();
StubData::$tables['EntityTag'][] = ['tag_id' => NEEDS_LOGIN, 'entity_id' => 60, 'entity_table' => 'civicrm_contact', 'tag_id.name' => 'needs_login'];
StubData::$tables['EntityTag'][] = ['tag_id' => NEEDS_LOGIN, 'entity_id' => 61, 'entity_table' => 'civicrm_contact', 'tag_id.name' => 'needs_login'];
$bulk = [[60], 'civicrm_contact'];
cmsuserwebhook_civicrm_post('create', 'EntityTag', NEEDS_LOGIN, $bulk);
$record = (object) ['id' => 5, 'tag_id' => NEEDS_LOGIN, 'entity_id' => 61, 'entity_table' => 'civicrm_contact'];
cmsuserwebhook_civicrm_post('create', 'EntityTag', 5, $record);
$activity = [[70], 'civicrm_activity'];
cmsuserwebhook_civicrm_post('create', 'EntityTag', NEEDS_LOGIN, $activity);
check(count($host->calls) === 2, 'tagging contacts is sent (bulk and record shapes), tagging activities is not');
check($host->calls[0]['body']['source'] === ['entity' => 'Tag', 'id' => NEEDS_LOGIN, 'name' => 'needs_login'], 'the call names the tag');

// ---- A bulk add sends a few at once and queues the rest.
$host = fresh();
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, range(1, 8));
CRM_Core_Transaction::end(TRUE);
check(count($host->calls) === 5 && backlog() === 3, 'five sent during the request, three queued');
$run = Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load());
check($run['delivered'] === 3 && $run['backlog'] === 0 && count($host->calls) === 8, 'the scheduled job sends the queued three');

// ---- One event refused for good (422: that contact's attempts are used up) does not hold back the
// others of the request: the host is answering.
$host = fresh();
$host->statusFor = [1 => 422];
addToGroup(MEMBERS, [1, 2, 3]);
check(count($host->calls) === 3 && backlog() === 0, 'after a 422 for one contact the others of the request are still sent, none queued');
check((int) Civi::$settings->get('cmsuserwebhook_dropped') === 1, 'the refused one is counted as given up');

// ---- The host is down: one try per request, the rest queued, retries with backoff, then given up.
$host = fresh();
$host->status = 503;
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, [1, 2, 3]);
CRM_Core_Transaction::end(TRUE);
check(count($host->calls) === 1, 'after the first failure the request does not call again');
check(backlog() === 3, 'all three events are queued');
check(strpos((string) Civi::$settings->get('cmsuserwebhook_last_failure'), 'HTTP 503 unavailable') === 0, 'the failure is recorded for the system check');
$run = Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load());
check($run['retried'] === 1 && count($host->calls) === 2, 'a cron run while down makes one probe and stops');
$queue = CRM_Queue_Service::$queues[Queue::NAME];
$delays = array_map(fn($i) => $i['release_time'] === NULL ? NULL : $i['release_time'] - time(), $queue->items);
check(count(array_filter($delays, fn($d) => $d !== NULL && $d >= 40 && $d <= 80)) >= 1, 'a failed event waits about a minute');
// A retry puts the same row back (found on a real CiviCRM 6.17.2: deleting the item and adding
// a new one restamped submit_time, so the system check's "oldest waiting since" and its
// one-hour warning restarted on every retry).
$firstIds = array_keys($queue->items);
$firstSubmitted = array_column($queue->items, 'submit_time', 'id');
TestClock::$offset += 600;
$run = Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load());
check($run['retried'] === 1 && array_keys($queue->items) === $firstIds, 'a retried event keeps its queue row');
check(array_column($queue->items, 'submit_time', 'id') === $firstSubmitted, 'and the time it was first queued');
$attempts = array_map(fn($i) => unserialize($i['data'])['attempt'], $queue->items);
check(max($attempts) === 2, 'the row carries the attempt count of its last try');
// Let time pass well beyond every delay, run until the attempts are used up.
for ($i = 0; $i < 20 && backlog() > 0; $i++) {
  TestClock::$offset += 7 * 3600;
  Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load());
}
check(backlog() === 0, 'events out of attempts leave the queue');
check((int) Civi::$settings->get('cmsuserwebhook_dropped') === 3, 'and are counted as given up');
check(count(array_filter(Civi::$log->records, fn($r) => $r[0] === 'error' && strpos($r[1], 'gave up event') !== FALSE)) === 3, 'and logged as errors');
check(count($host->calls) === 3 * 4, 'each event was tried exactly max_attempts (4) times');

// ---- The host comes back: the backlog drains in one run.
$host = fresh();
$host->status = 0;
CRM_Core_Transaction::begin();
addToGroup(MEMBERS, [1, 2, 3, 4]);
CRM_Core_Transaction::end(TRUE);
$host->status = 200;
TestClock::$offset += 120;
$run = Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load());
check($run['delivered'] === 4 && backlog() === 0, 'when the host is back the whole backlog is sent');
$bodies = array_column($host->calls, 'body');
check($bodies[0]['eventId'] === $bodies[1]['eventId'] && $bodies[0]['contactId'] === 1, 'the retried event keeps its event id');

// ---- A refusal for good is not retried.
$host = fresh();
$host->status = 400;
addToGroup(MEMBERS, [1]);
check(backlog() === 0 && (int) Civi::$settings->get('cmsuserwebhook_dropped') === 1, 'a 400 is given up at once');

// ---- Not configured: nothing is sent, a warning says why, the system check shows it.
$host = fresh(['cmsuserwebhook_secret' => 'short']);
addToGroup(MEMBERS, [1]);
check(count($host->calls) === 0, 'a short secret sends nothing');
check(count(array_filter(Civi::$log->records, fn($r) => $r[0] === 'warning' && strpos($r[1], 'not configured') !== FALSE)) === 1, 'and logs a warning');
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check(count($messages) === 1 && $messages[0]->name === 'cmsuserwebhook_config' && $messages[0]->level === 'warning', 'the system check warns that it is not configured');

// ---- The system check: last success and backlog.
$host = fresh();
addToGroup(MEMBERS, [1]);
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check($messages[0]->level === 'info' && strpos($messages[0]->message, 'Last call accepted') !== FALSE && strpos($messages[0]->message, 'Waiting in the queue: 0') !== FALSE, 'healthy: info with the last success and an empty queue');
$host->status = 503;
addToGroup(MEMBERS, [2]);
TestClock::$offset += 2 * 3600;
// The stub queue stamps submit_time with the test clock; age it by rewinding the item.
foreach (CRM_Queue_Service::$queues[Queue::NAME]->items as &$item) {
  $item['submit_time'] -= 2 * 3600 + TestClock::$offset;
}
unset($item);
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check($messages[0]->level === 'warning' && strpos($messages[0]->message, 'Waiting in the queue: 1') !== FALSE && strpos($messages[0]->message, 'HTTP 503') !== FALSE, 'a backlog older than an hour warns, with the last failure');

// ---- A host that refuses the calls for a reason only an administrator fixes warns at once,
// not an hour later (seen on the real CiviCRM 6.17.2 with a wrong secret: "info" until then).
$host = fresh();
addToGroup(MEMBERS, [1]);
TestClock::$offset += 5;
$host->status = 401;
$host->body = '{"error":"invalid_signature","message":"X-CmsUser-Signature is missing or does not match the body and timestamp for the configured secret."}';
addToGroup(MEMBERS, [2]);
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check($messages[0]->level === 'warning' && $messages[0]->title === 'CMS User Webhook: the host refuses the calls' && strpos($messages[0]->message, 'CmsUser:Webhook:Secret') !== FALSE && strpos($messages[0]->message, 'civicrm/admin/cmsuserwebhook') !== FALSE, 'a 401 (wrong secret or clock) warns at once and says what to check');
check(strpos($messages[0]->message, SECRET) === FALSE, 'the warning does not show the secret');
foreach ([404, 405] as $status) {
  $host = fresh();
  $host->status = $status;
  $host->body = '';
  addToGroup(MEMBERS, [1]);
  $messages = [];
  cmsuserwebhook_civicrm_check($messages);
  check($messages[0]->level === 'warning' && strpos($messages[0]->message, 'Webhook URL') !== FALSE, "a $status (wrong URL) warns at once and points at the URL");
}
$host = fresh();
$host->status = 503;
addToGroup(MEMBERS, [1]);
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check($messages[0]->level === 'info' && $messages[0]->title === 'CMS User Webhook', 'a host that is down (503) is no warning until the backlog is an hour old: it heals by itself');
$host = fresh();
$host->status = 401;
addToGroup(MEMBERS, [1]);
// The status keeps wall-clock seconds: make the refusal an earlier second than the success.
Civi::$settings->values['cmsuserwebhook_last_failure_at'] -= 10;
TestClock::$offset += 3600;
$host->status = 200;
$run = Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load(), 500, 240, $host);
$messages = [];
cmsuserwebhook_civicrm_check($messages);
check($run['delivered'] === 1 && $messages[0]->level === 'info', 'once a call is accepted again the warning goes');

$messages = [];
cmsuserwebhook_civicrm_check($messages, ['checkPhpVersion']);
check($messages === [], 'the check stays out of runs that ask for other checks');

// ---- Uninstall removes the queue and every setting, the secret included (found on a real
// CiviCRM 6.17.2: after Extension.uninstall the queued rows and ten setting rows stayed).
$host = fresh();
$host->status = 503;
addToGroup(MEMBERS, [1]);
check(backlog() === 1, 'an event is waiting before the uninstall');
cmsuserwebhook_civicrm_uninstall();
check(backlog() === 0, 'uninstall empties the queue');
$declared = array_keys(include dirname(__DIR__) . '/settings/cmsuserwebhook.setting.php');
$left = array_filter(array_keys(Civi::$settings->values), fn($name) => strpos($name, 'cmsuserwebhook_') === 0);
check(StubData::$deletedSettings === $declared && $left === [] && StubData::$flushedSettings === 1, 'uninstall deletes every declared setting, the secret included, and flushes the settings cache');

// ---- The admin menu entry.
$menu = [['attributes' => ['name' => 'Administer', 'navID' => 1], 'child' => [['attributes' => ['name' => 'System Settings', 'navID' => 2], 'child' => []]]]];
cmsuserwebhook_civicrm_navigationMenu($menu);
cmsuserwebhook_civicrm_navigationMenu($menu);
$children = $menu[0]['child'][0]['child'];
check(count($children) === 1 && $children[0]['attributes']['url'] === 'civicrm/admin/cmsuserwebhook?reset=1' && $children[0]['attributes']['navID'] === 3, 'one settings entry under Administer » System Settings');

// ---- The settings form's rule.
$good = [
  'cmsuserwebhook_url' => 'https://provisioner.example.org/cmsuser/webhook',
  'cmsuserwebhook_secret' => '',
  'cmsuserwebhook_groups' => ['7'],
  'cmsuserwebhook_tags' => [],
  'cmsuserwebhook_timeout' => '10',
  'cmsuserwebhook_inline_limit' => '0',
  'cmsuserwebhook_max_attempts' => '12',
];
check(CRM_Cmsuserwebhook_Form_Settings::rules($good) === TRUE, 'a complete form passes (an empty secret keeps the saved one)');
$errors = CRM_Cmsuserwebhook_Form_Settings::rules(['cmsuserwebhook_url' => 'http://provisioner.example.org/x', 'cmsuserwebhook_secret' => 'short', 'cmsuserwebhook_timeout' => '0', 'cmsuserwebhook_inline_limit' => '2.5', 'cmsuserwebhook_max_attempts' => 'x'] + $good);
check(is_array($errors) && array_keys($errors) === ['cmsuserwebhook_url', 'cmsuserwebhook_secret', 'cmsuserwebhook_timeout', 'cmsuserwebhook_inline_limit', 'cmsuserwebhook_max_attempts'], 'plain http, a short secret and out-of-range numbers are refused field by field');
$none = CRM_Cmsuserwebhook_Form_Settings::rules(['cmsuserwebhook_groups' => [], 'cmsuserwebhook_tags' => []] + $good);
check(is_array($none) && isset($none['cmsuserwebhook_groups']), 'at least one group or tag is required');

exit(report());
