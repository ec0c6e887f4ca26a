<?php

/**
 * Tests of the companion's CreateLockSubscriber (cmsuser_companion 1.1.1) with a plain PHP CLI, no Drupal:
 *
 *   php integrations/drupal/tests/create_lock_test.php
 *
 * Minimal stand-ins of the Symfony and Drupal classes it uses; a lock backend with one table shared by two
 * "requests", as Drupal's database lock backend shares the semaphore table. Prints one line per failed check and
 * "N checks, N failed"; exits 1 when a check failed.
 *
 * @license GPL-2.0-or-later
 */

declare(strict_types=1);

namespace Symfony\Component\EventDispatcher {
  interface EventSubscriberInterface {
    public static function getSubscribedEvents(): array;
  }
}

namespace Symfony\Component\HttpFoundation {
  final class ParameterBag {
    public function __construct(private array $values = []) {}
    public function get(string $key, $default = NULL) { return $this->values[$key] ?? $default; }
    public function set(string $key, $value): void { $this->values[$key] = $value; }
    public function remove(string $key): void { unset($this->values[$key]); }
    public function has(string $key): bool { return array_key_exists($key, $this->values); }
  }
  final class HeaderBag {
    public array $directives = [];
    public function addCacheControlDirective(string $key): void { $this->directives[] = $key; }
  }
  final class Request {
    public ParameterBag $attributes;
    public function __construct(string $route, private string $content) { $this->attributes = new ParameterBag(['_route' => $route]); }
    public function getContent(): string { return $this->content; }
  }
  class Response {
    public HeaderBag $headers;
    public bool $private = FALSE;
    public function __construct(public string $content = '', public int $status = 200) { $this->headers = new HeaderBag(); }
    public function setPrivate(): void { $this->private = TRUE; }
    public function getStatusCode(): int { return $this->status; }
  }
  final class JsonResponse extends Response {
    public function __construct(public array $data = [], int $status = 200) { parent::__construct(json_encode($data), $status); }
  }
}

namespace Symfony\Component\HttpKernel {
  final class KernelEvents {
    public const REQUEST = 'kernel.request';
    public const RESPONSE = 'kernel.response';
  }
}

namespace Symfony\Component\HttpKernel\Event {
  use Symfony\Component\HttpFoundation\Request;
  use Symfony\Component\HttpFoundation\Response;
  final class RequestEvent {
    public ?Response $response = NULL;
    public function __construct(private Request $request, private bool $main = TRUE) {}
    public function getRequest(): Request { return $this->request; }
    public function isMainRequest(): bool { return $this->main; }
    public function setResponse(Response $response): void { $this->response = $response; }
  }
  final class ResponseEvent {
    public function __construct(private Request $request, private Response $response) {}
    public function getRequest(): Request { return $this->request; }
    public function getResponse(): Response { return $this->response; }
  }
}

namespace Drupal\Core\Lock {
  interface LockBackendInterface {
    public function acquire($name, $timeout = 30.0);
    public function wait($name, $delay = 30);
    public function release($name);
  }
}

namespace {
  use Drupal\cmsuser_companion\EventSubscriber\CreateLockSubscriber;
  use Drupal\Core\Lock\LockBackendInterface;
  use Symfony\Component\HttpFoundation\JsonResponse;
  use Symfony\Component\HttpFoundation\Request;
  use Symfony\Component\HttpKernel\Event\RequestEvent;
  use Symfony\Component\HttpKernel\Event\ResponseEvent;

  require_once __DIR__ . '/../cmsuser_companion/src/EventSubscriber/CreateLockSubscriber.php';

  /** One request's view of a lock table shared by all requests (Drupal's semaphore table). */
  final class SharedLocks implements LockBackendInterface {
    public static array $table = [];
    public array $log = [];
    public function __construct(private string $id) {}
    public function acquire($name, $timeout = 30.0) {
      $this->log[] = 'acquire ' . $name;
      if (isset(self::$table[$name]) && self::$table[$name] !== $this->id) {
        return FALSE;
      }
      self::$table[$name] = $this->id;
      return TRUE;
    }
    public function wait($name, $delay = 30) { return isset(self::$table[$name]); }
    public function release($name) {
      $this->log[] = 'release ' . $name;
      if ((self::$table[$name] ?? NULL) === $this->id) {
        unset(self::$table[$name]);
      }
    }
  }

  $checks = 0;
  $failures = [];
  function check(string $label, $actual, $expected): void {
    global $checks, $failures;
    $checks++;
    if ($actual !== $expected) {
      $failures[] = $label . ': expected ' . var_export($expected, TRUE) . ', got ' . var_export($actual, TRUE);
    }
  }

  function create(string $name, string $mail): Request {
    return new Request('rest.entity.user.POST', json_encode(['name' => [['value' => $name]], 'mail' => [['value' => $mail]]]));
  }

  // Body values and lock names.
  check('list form', CreateLockSubscriber::fieldValue(['mail' => [['value' => ' a@example.org ']]], 'mail'), 'a@example.org');
  check('single item', CreateLockSubscriber::fieldValue(['name' => ['value' => 'ann']], 'name'), 'ann');
  check('bare string', CreateLockSubscriber::fieldValue(['name' => 'ann'], 'name'), 'ann');
  check('missing', CreateLockSubscriber::fieldValue([], 'mail'), NULL);
  check('empty', CreateLockSubscriber::fieldValue(['mail' => [['value' => '  ']]], 'mail'), NULL);
  check('not text', CreateLockSubscriber::fieldValue(['mail' => [['value' => ['x']]]], 'mail'), NULL);
  $mailLock = CreateLockSubscriber::lockName('mail', 'ann@example.org');
  check('lock name', $mailLock, 'cmsuser_companion:create:mail:' . md5('ann@example.org'));
  check('lock name ignores case', CreateLockSubscriber::lockName('mail', 'ANN@Example.org'), $mailLock);
  check('mail and name locks differ', CreateLockSubscriber::lockName('name', 'ann@example.org') === $mailLock, FALSE);
  $nameLock = CreateLockSubscriber::lockName('name', 'ann');

  // Two requests creating one email.
  $locksA = new SharedLocks('a');
  $first = new CreateLockSubscriber($locksA, 0);
  $requestA = create('ann', 'ann@example.org');
  $eventA = new RequestEvent($requestA);
  $first->onRequest($eventA);
  check('first create goes on', $eventA->response, NULL);
  check('first create locks email, then username', $locksA->log, ['acquire ' . $mailLock, 'acquire ' . $nameLock]);

  $locksB = new SharedLocks('b');
  $second = new CreateLockSubscriber($locksB, 0);
  $eventB = new RequestEvent(create('ann2', 'Ann@Example.org'));
  $second->onRequest($eventB);
  check('second create of the email is answered busy', $eventB->response instanceof JsonResponse ? $eventB->response->status : NULL, 503);
  check('busy body', $eventB->response->data ?? NULL, ['message' => 'Another request is creating an account with this email address; nothing was created. Retry later.', 'code' => 'cmsuser_busy']);
  check('busy answer is not cached', [$eventB->response->private, $eventB->response->headers->directives], [TRUE, ['no-store']]);

  $locksC = new SharedLocks('c');
  $third = new CreateLockSubscriber($locksC, 0);
  $eventC = new RequestEvent(create('ANN', 'other@example.org'));
  $third->onRequest($eventC);
  check('a create of the username is busy too', $eventC->response->data['message'] ?? NULL, 'Another request is creating an account with this username; nothing was created. Retry later.');
  check('its email lock is given back', SharedLocks::$table[CreateLockSubscriber::lockName('mail', 'other@example.org')] ?? NULL, NULL);

  $first->onResponse(new ResponseEvent($requestA, new JsonResponse([], 201)));
  check('the answer releases both locks', SharedLocks::$table, []);
  check('released last first', array_slice($locksA->log, -2), ['release ' . $nameLock, 'release ' . $mailLock]);

  $eventB2 = new RequestEvent(create('ann2', 'Ann@Example.org'));
  $second->onRequest($eventB2);
  check('the next create goes on (and core then refuses the taken email)', $eventB2->response, NULL);

  // Other requests are left alone.
  $other = new SharedLocks('d');
  (new CreateLockSubscriber($other, 0))->onRequest(new RequestEvent(new Request('rest.entity.user.PATCH', '{"mail":[{"value":"ann@example.org"}]}')));
  (new CreateLockSubscriber($other, 0))->onRequest(new RequestEvent(new Request('rest.entity.user.POST', 'not json')));
  (new CreateLockSubscriber($other, 0))->onRequest(new RequestEvent(create('ann', 'ann@example.org'), FALSE));
  check('updates, unreadable bodies and sub-requests take no lock', $other->log, []);

  foreach ($failures as $failure) {
    fwrite(STDERR, 'FAIL ' . $failure . "\n");
  }
  printf("%d checks, %d failed\n", $checks, count($failures));
  exit($failures ? 1 : 0);
}
