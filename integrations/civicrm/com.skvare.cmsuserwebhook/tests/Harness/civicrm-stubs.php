<?php
/*
 * Minimal stand-ins for the CiviCRM classes the extension calls, so its hook, queue and
 * delivery code can run under plain php-cli (tests/civicrm.php). They model the behaviour the
 * extension relies on, as read in civicrm-core: transaction callbacks by phase and id
 * (CRM_Core_Transaction::addCallback), SqlParallel claiming that skips items whose release time
 * lies ahead, createItem's release_time option, API4 get with IN / = filters.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

declare(strict_types=1);

namespace Psr\Log {

  class LogLevel {
    const ERROR = 'error';
    const WARNING = 'warning';
    const INFO = 'info';
  }

}

namespace {

  /** The test clock: real time plus an offset the tests move forward. */
  final class TestClock {
    public static $offset = 0;

    public static function now(): int {
      return time() + self::$offset;
    }
  }

  final class StubSettings {
    public $values = [];

    public function get($name) {
      return $this->values[$name] ?? NULL;
    }

    public function set($name, $value) {
      $this->values[$name] = $value;
      return $this;
    }
  }

  final class StubLog {
    public $records = [];

    public function __call($level, $args) {
      $message = $args[0];
      foreach ($args[1] ?? [] as $k => $v) {
        $message = str_replace('{' . $k . '}', (string) $v, $message);
      }
      $this->records[] = [$level, $message];
    }
  }

  class Civi {
    public static $settings;
    public static $log;

    public static function settings() {
      return self::$settings;
    }

    public static function log() {
      return self::$log;
    }

    /** Only the settings manager, whose cache the uninstall flushes. */
    public static function service($name) {
      if ($name !== 'settings_manager') {
        throw new RuntimeException("Unexpected service in a test: $name");
      }
      return new class() {
        public function flush() {
          StubData::$flushedSettings++;
        }
      };
    }
  }

  function ts($text, $params = []) {
    foreach ($params as $k => $v) {
      if (is_int($k)) {
        $text = str_replace('%' . $k, (string) $v, $text);
      }
    }
    return $text;
  }

  class CRM_Core_Transaction {
    const PHASE_PRE_COMMIT = 1;
    const PHASE_POST_COMMIT = 2;
    const PHASE_PRE_ROLLBACK = 4;
    const PHASE_POST_ROLLBACK = 8;

    public static $depth = 0;
    public static $callbacks = [];

    public static function isActive() {
      return self::$depth > 0;
    }

    public static function addCallback($phase, $callback, $params = NULL, $id = NULL) {
      if ($id !== NULL) {
        self::$callbacks[$phase][$id] = [$callback, $params ?? []];
      }
      else {
        self::$callbacks[$phase][] = [$callback, $params ?? []];
      }
    }

    public static function begin(): void {
      self::$depth++;
    }

    public static function end(bool $commit): void {
      self::$depth--;
      if (self::$depth > 0) {
        return;
      }
      $phase = $commit ? self::PHASE_POST_COMMIT : self::PHASE_POST_ROLLBACK;
      $run = self::$callbacks[$phase] ?? [];
      self::$callbacks = [];
      foreach ($run as [$callback, $params]) {
        call_user_func_array($callback, $params);
      }
    }
  }

  abstract class CRM_Queue_Queue {
  }

  /** Behaves as CRM_Queue_Queue_SqlParallel for the calls the extension makes. */
  final class StubParallelQueue extends CRM_Queue_Queue {
    public $items = [];
    private $nextId = 1;

    public function createItem($data, $options = []) {
      $this->items[$this->nextId] = [
        'id' => $this->nextId,
        'data' => serialize($data),
        'submit_time' => TestClock::now(),
        'release_time' => $options['release_time'] ?? NULL,
        'run_count' => 0,
      ];
      $this->nextId++;
    }

    public function claimItem($leaseTime = NULL) {
      foreach ($this->items as &$item) {
        if ($item['release_time'] === NULL || $item['release_time'] < TestClock::now()) {
          $item['release_time'] = TestClock::now() + ($leaseTime ?: 3600);
          $item['run_count']++;
          return (object) ['id' => $item['id'], 'data' => unserialize($item['data']), 'run_count' => $item['run_count']];
        }
      }
      return NULL;
    }

    public function deleteItem($item) {
      unset($this->items[$item->id]);
    }
  }

  class CRM_Queue_Service {
    public static $queues = [];

    public static function singleton() {
      return new self();
    }

    public function create($spec) {
      if ($spec['type'] !== 'SqlParallel' || !empty($spec['reset'])) {
        throw new RuntimeException('The extension must ask for a kept SqlParallel queue.');
      }
      return self::$queues[$spec['name']] ??= new StubParallelQueue();
    }
  }

  class CRM_Core_DAO {
    /** Answers the backlog query and the in-place retry of Civi\Cmsuserwebhook\Queue from the stub queue. */
    public static function executeQuery($sql, $params = []) {
      if (strpos($sql, 'UPDATE civicrm_queue_item SET data = %1, release_time = FROM_UNIXTIME(%2) WHERE id = %3 AND queue_name = %4') === 0) {
        $queue = CRM_Queue_Service::$queues[$params[4][0]] ?? NULL;
        if ($queue && isset($queue->items[$params[3][0]])) {
          // Like MySQL: only the named columns change (submit_time and run_count stay).
          $queue->items[$params[3][0]]['data'] = $params[1][0];
          $queue->items[$params[3][0]]['release_time'] = $params[2][0];
        }
        return NULL;
      }
      if ($sql === 'DELETE FROM civicrm_queue_item WHERE queue_name = %1') {
        if (isset(CRM_Queue_Service::$queues[$params[1][0]])) {
          CRM_Queue_Service::$queues[$params[1][0]]->items = [];
        }
        return NULL;
      }
      if (strpos($sql, 'DELETE FROM civicrm_setting WHERE name IN (') === 0) {
        foreach ($params as $param) {
          unset(Civi::$settings->values[$param[0]]);
        }
        StubData::$deletedSettings = array_merge(StubData::$deletedSettings, array_column($params, 0));
        return NULL;
      }
      if (strpos($sql, 'FROM civicrm_queue_item WHERE queue_name = %1') === FALSE) {
        throw new RuntimeException("Unexpected SQL in a test: $sql");
      }
      $queue = CRM_Queue_Service::$queues[$params[1][0]] ?? NULL;
      $items = $queue ? $queue->items : [];
      $times = array_column($items, 'submit_time');
      return new class(count($items), $times ? min($times) : NULL) {
        public $n;
        public $oldest;

        public function __construct($n, $oldest) {
          $this->n = $n;
          $this->oldest = $oldest;
        }

        public function fetch() {
          return TRUE;
        }
      };
    }
  }

  /** Only what the settings form's static rule needs: the form itself is not built here. */
  class CRM_Core_Form {
  }

  class CRM_Utils_Check_Message {
    public $name;
    public $message;
    public $title;
    public $level;

    public function __construct($name, $message, $title, $level, $icon = NULL) {
      [$this->name, $this->message, $this->title, $this->level] = [$name, $message, $title, $level];
    }
  }

  class CRM_Utils_System {
    public static function url($path, $query = NULL) {
      return "/civicrm/$path?$query";
    }
  }

  class CRM_Utils_Date {
    public static function customFormat($date) {
      return $date;
    }
  }

  class CRM_Core_Resources {
    public static function singleton() {
      return new self();
    }

    public function getUrl($ext) {
      return "/ext/$ext/";
    }
  }

  /** In-memory rows the API4 stand-in reads. */
  final class StubData {
    public static $tables = ['GroupContact' => [], 'EntityTag' => []];
    public static $queries = [];
    public static $deletedSettings = [];
    public static $flushedSettings = 0;
  }

}

namespace Civi\Api4 {

  final class StubGet {
    private $entity;
    private $select = [];
    private $where = [];

    public function __construct(string $entity) {
      $this->entity = $entity;
    }

    public function addSelect(...$fields) {
      $this->select = array_merge($this->select, $fields);
      return $this;
    }

    public function addWhere($field, $op, $value = NULL) {
      $this->where[] = [$field, $op, $value];
      return $this;
    }

    public function execute() {
      \StubData::$queries[] = [$this->entity, $this->where];
      $rows = array_values(array_filter(\StubData::$tables[$this->entity], function ($row) {
        foreach ($this->where as [$field, $op, $value]) {
          $actual = $row[$field] ?? NULL;
          $ok = $op === 'IN' ? in_array($actual, (array) $value) : ($op === '=' ? $actual == $value : FALSE);
          if (!$ok) {
            return FALSE;
          }
        }
        return TRUE;
      }));
      return new \ArrayObject(array_map(function ($row) {
        return $this->select ? array_intersect_key($row, array_flip($this->select)) : $row;
      }, $rows));
    }
  }

  final class GroupContact {
    public static function get($checkPermissions = TRUE) {
      return new StubGet('GroupContact');
    }
  }

  final class EntityTag {
    public static function get($checkPermissions = TRUE) {
      return new StubGet('EntityTag');
    }
  }

}
