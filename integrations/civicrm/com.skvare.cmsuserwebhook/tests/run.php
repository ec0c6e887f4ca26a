<?php
/*
 * Tests of the extension's pure classes (signing, body, backoff, verdicts, sending), runnable
 * with plain php-cli and no CiviCRM:
 *
 *   php integrations/civicrm/com.skvare.cmsuserwebhook/tests/run.php
 *
 * The signature vectors in vectors.json are shared with the .NET verifier's tests
 * (tests/Skvare.CmsUser.AspNetCore.Tests/SignatureVectorsTests.cs). Prints "PHP checks: N passed, M failed"
 * and exits non-zero when anything failed.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

declare(strict_types=1);

require_once __DIR__ . '/Harness/check.php';
load_classes(['Signer', 'Payload', 'Backoff', 'Verdict', 'Transport', 'Sender', 'Config']);

use Civi\Cmsuserwebhook\Backoff;
use Civi\Cmsuserwebhook\Config;
use Civi\Cmsuserwebhook\Payload;
use Civi\Cmsuserwebhook\Sender;
use Civi\Cmsuserwebhook\Signer;
use Civi\Cmsuserwebhook\Transport;
use Civi\Cmsuserwebhook\Verdict;

/** A transport that records calls and answers from a script. */
final class ScriptedTransport implements Transport {
  public $calls = [];
  private $answers;

  public function __construct(array $answers) {
    $this->answers = $answers;
  }

  public function post(string $url, array $headers, string $body, int $timeout): array {
    $this->calls[] = ['url' => $url, 'headers' => $headers, 'body' => $body, 'timeout' => $timeout];
    return array_shift($this->answers) ?? ['status' => 0, 'body' => '', 'error' => 'no scripted answer'];
  }
}

// ---- Shared vectors: what this extension signs is what the .NET verifier expects.
$vectors = json_decode((string) file_get_contents(__DIR__ . '/vectors.json'), TRUE, 512, JSON_THROW_ON_ERROR)['vectors'];
check(count($vectors) >= 5, 'vectors.json holds at least 5 vectors');
foreach ($vectors as $v) {
  check(Signer::signature($v['secret'], $v['timestamp'], $v['body']) === $v['signature'], "vector '{$v['name']}' signs to its signature");
  $headers = Signer::headers($v['secret'], $v['timestamp'], $v['body']);
  check($headers[Signer::TIMESTAMP_HEADER] === (string) $v['timestamp'], "vector '{$v['name']}' timestamp header is the decimal time");
  check($headers[Signer::SIGNATURE_HEADER] === $v['signature'], "vector '{$v['name']}' signature header");
  check(Signer::signature($v['secret'], $v['timestamp'] + 1, $v['body']) !== $v['signature'], "vector '{$v['name']}' depends on the timestamp");
  check(Signer::signature($v['secret'] . 'x', $v['timestamp'], $v['body']) !== $v['signature'], "vector '{$v['name']}' depends on the secret");
}
check(throws(fn() => Signer::signature('', 1, '{}')), 'an empty secret is refused');
check(throws(fn() => Signer::signature('s', -1, '{}')), 'a negative timestamp is refused');
check((bool) preg_match('/^sha256=[0-9a-f]{64}$/', Signer::signature('k', 1, '')), 'signature is sha256= and 64 lower-case hex digits');

// ---- Body.
$event = Payload::event('3f1c2a9e-6d0b-4b8e-9c41-2d7f5e8a1b00', 42, 'Group', 7, 'website_members', 1764072000);
$body = Payload::body($event);
$decoded = json_decode($body, TRUE);
check($decoded['contactId'] === 42, 'body carries contactId as a number');
check($decoded['eventId'] === '3f1c2a9e-6d0b-4b8e-9c41-2d7f5e8a1b00', 'body carries the event id');
check($decoded['source'] === ['entity' => 'Group', 'id' => 7, 'name' => 'website_members'], 'body names the group');
check($decoded['occurredAt'] === '2025-11-25T12:00:00Z', 'body carries when the contact joined, in UTC');
check(Payload::body($event) === $body, 'the same event gives the same bytes');
$tagBody = json_decode(Payload::body(Payload::event('e', 5, 'Tag', 12, NULL, 0)), TRUE);
check($tagBody['source'] === ['entity' => 'Tag', 'id' => 12], 'a tag without a name is sent by id');
$unicode = json_decode(Payload::body(Payload::event('e', 5, 'Group', 3, "Membres \u{00e9}t\u{00e9} \u{1F389}", 0)), TRUE);
check($unicode['source']['name'] === "Membres \u{00e9}t\u{00e9} \u{1F389}", 'unicode group names survive');
$broken = json_decode(Payload::body(Payload::event('e', 5, 'Group', 3, "bad \xC3\x28 utf8", 0)), TRUE);
check(is_array($broken) && $broken['contactId'] === 5, 'invalid UTF-8 in a name never breaks the body');
check(throws(fn() => Payload::event('e', 0, 'Group', 7, NULL, 0)), 'contact id 0 is refused');
check(throws(fn() => Payload::event('e', 5, 'Group', -1, NULL, 0)), 'a negative group id is refused');
check(throws(fn() => Payload::event('e', 5, 'Activity', 7, NULL, 0)), 'only Group and Tag sources');
$ids = [];
for ($i = 0; $i < 2000; $i++) {
  $ids[Payload::newEventId()] = TRUE;
}
check(count($ids) === 2000, 'event ids do not repeat');
check((bool) preg_match('/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/', array_key_first($ids)), 'event ids are version 4 UUIDs');

// ---- Backoff.
check(Backoff::delay(1, 0.5) === 60, 'first retry after one minute');
check(Backoff::delay(2, 0.5) === 120, 'then two minutes');
check(Backoff::delay(5, 0.5) === 960, 'doubling');
check(Backoff::delay(9, 0.5) === 15360, 'the ninth wait is 256 minutes');
check(Backoff::delay(10, 0.5) === Backoff::CAP, 'capped at six hours from the tenth');
check(Backoff::delay(1000, 0.5) === Backoff::CAP, 'no overflow for large attempts');
check(Backoff::delay(0, 0.5) === 60 && Backoff::delay(-3, 0.5) === 60, 'attempt below 1 counts as 1');
$monotone = TRUE;
$bounded = TRUE;
for ($attempt = 1; $attempt <= 30; $attempt++) {
  foreach ([0.0, 0.25, 0.5, 0.999] as $jitter) {
    $d = Backoff::delay($attempt, $jitter);
    $plain = Backoff::delay($attempt, 0.5);
    $bounded = $bounded && $d >= (int) floor($plain * 0.8) && $d <= (int) ceil($plain * 1.2) && $d >= 1;
    if ($attempt > 1 && $d < Backoff::delay($attempt - 1, $jitter)) {
      $monotone = FALSE;
    }
  }
}
check($monotone, 'delays never shrink as attempts grow (same jitter)');
check($bounded, 'jitter stays within 20% either way');
for ($i = 0; $i < 1000; $i++) {
  $j = Backoff::randomJitter();
  if ($j < 0 || $j >= 1) {
    check(FALSE, "random jitter $j is in [0, 1)");
    break;
  }
}

// ---- Verdicts, as docs/webhook.md says a sender should treat each answer.
foreach ([200, 201, 204, 409] as $status) {
  check(Verdict::of($status) === Verdict::DELIVERED, "HTTP $status means delivered");
}
foreach ([0, 401, 404, 408, 425, 429, 500, 502, 503, 504] as $status) {
  check(Verdict::of($status) === Verdict::RETRY, "HTTP $status means retry");
}
foreach ([400, 403, 413, 415, 422] as $status) {
  check(Verdict::of($status) === Verdict::REJECTED, "HTTP $status means rejected");
}

// ---- Sending: a fresh timestamp and signature per attempt, the answer read back.
$secret = 'a-shared-secret-with-more-than-32-characters';
$clockValues = [1764072000, 1764072090];
$transport = new ScriptedTransport([
  ['status' => 503, 'body' => '{"contactId":42,"outcome":"Failed","error":{"kind":"Transient","code":"unavailable","message":"CiviCRM or the CMS could not be reached"}}', 'error' => NULL],
  ['status' => 200, 'body' => '{"contactId":42,"outcome":"Created"}', 'error' => NULL],
]);
$sender = new Sender('https://provisioner.example.org/cmsuser/webhook', $secret, 7, $transport, function () use (&$clockValues) {
  return array_shift($clockValues);
});
$first = $sender->send($event);
$second = $sender->send($event);
check($first['verdict'] === Verdict::RETRY && $first['status'] === 503, 'a 503 answer means retry');
check($first['detail'] === 'HTTP 503 unavailable: CiviCRM or the CMS could not be reached', 'the detail carries the webhook error code and message');
check($second['verdict'] === Verdict::DELIVERED && $second['detail'] === 'HTTP 200 Created', 'a 200 answer means delivered');
check(count($transport->calls) === 2, 'two calls made');
foreach ($transport->calls as $i => $call) {
  $ts = (int) $call['headers'][Signer::TIMESTAMP_HEADER];
  $expected = 'sha256=' . hash_hmac('sha256', $ts . '.' . $call['body'], $secret);
  check(hash_equals($expected, $call['headers'][Signer::SIGNATURE_HEADER]), "call $i is signed over its own timestamp and body");
  check($call['body'] === $body, "call $i sends the event body");
  check($call['timeout'] === 7 && $call['url'] === 'https://provisioner.example.org/cmsuser/webhook', "call $i uses the configured URL and timeout");
  check($call['headers']['Content-Type'] === 'application/json', "call $i is JSON");
}
check($transport->calls[0]['headers'][Signer::TIMESTAMP_HEADER] === '1764072000' && $transport->calls[1]['headers'][Signer::TIMESTAMP_HEADER] === '1764072090', 'a retry is signed with a new timestamp (never a replay)');
check($transport->calls[0]['headers'][Signer::SIGNATURE_HEADER] !== $transport->calls[1]['headers'][Signer::SIGNATURE_HEADER], 'so its signature differs');

$leaky = new Sender('https://h.example/x', $secret, 5, new ScriptedTransport([
  ['status' => 0, 'body' => '', 'error' => "cURL error 7: refused while sending $secret"],
  ['status' => 400, 'body' => '{"error":"invalid_body","message":"contactId must be positive"}', 'error' => NULL],
  ['status' => 502, 'body' => '<html>Bad gateway</html>', 'error' => NULL],
]));
$noAnswer = $leaky->send($event);
check($noAnswer['verdict'] === Verdict::RETRY && $noAnswer['status'] === 0, 'no answer means retry');
check(strpos($noAnswer['detail'], $secret) === FALSE && strpos($noAnswer['detail'], 'no answer') === 0, 'the secret never reaches the detail');
$refused = $leaky->send($event);
check($refused['verdict'] === Verdict::REJECTED && $refused['detail'] === 'HTTP 400 invalid_body: contactId must be positive', 'a refusal carries its code');
$html = $leaky->send($event);
check($html['verdict'] === Verdict::RETRY && $html['detail'] === 'HTTP 502', 'a non-JSON error page is just its status');

// ---- Settings rules shared with the .NET host.
check(Config::urlProblem('https://provisioner.example.org/cmsuser/webhook') === NULL, 'https URL accepted');
check(Config::urlProblem('http://127.0.0.1:5000/cmsuser/webhook') === NULL, 'plain http to loopback accepted');
check(Config::urlProblem('http://provisioner.example.org/cmsuser/webhook') !== NULL, 'plain http elsewhere refused');
check(Config::urlProblem('') !== NULL && Config::urlProblem('/cmsuser/webhook') !== NULL, 'empty or relative URL refused');
check(Config::MIN_SECRET_LENGTH === 32, 'the secret rule matches CmsUser:Webhook:Secret (32 characters)');

exit(report());
