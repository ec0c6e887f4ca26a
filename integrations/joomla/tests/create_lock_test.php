<?php

/**
 * Tests of the companion's CreateLock (pkg_cmsuser 0.1.1) with a plain PHP CLI, no Joomla:
 *
 *   php integrations/joomla/tests/create_lock_test.php
 *
 * The MySQL/MariaDB part runs against a real server through PDO when one answers (CMSUSER_TEST_MYSQL_DSN,
 * default the local socket as root; skipped otherwise): GET_LOCK is what serialises two requests, so it is checked
 * with two real database sessions. PostgreSQL is checked against a scripted stand-in (the SQL it sends and how it
 * reads the answers). Prints one line per failed check and "N checks, N failed"; exits 1 when a check failed.
 *
 * @license GNU General Public License version 2 or later
 */

namespace {
    require_once __DIR__ . '/pdo_database.php';
    \define('_JEXEC', 1);
    require_once __DIR__ . '/../pkg_cmsuser/plg_webservices_cmsuser/src/Extension/CreateLock.php';

    use Joomla\Database\DatabaseInterface;
    use Skvare\Plugin\WebServices\Cmsuser\Extension\CreateLock;

    $checks   = 0;
    $failures = [];

    function check(string $label, $actual, $expected): void
    {
        global $checks, $failures;
        $checks++;
        if ($actual !== $expected) {
            $failures[] = $label . ': expected ' . var_export($expected, true) . ', got ' . var_export($actual, true);
        }
    }

    /** A PostgreSQL session whose answers the test scripts; records the SQL. */
    final class ScriptedPostgres implements DatabaseInterface
    {
        public array $sent = [];
        private string $sql = '';

        public function __construct(private $tryLock)
        {
        }

        public function getServerType(): string
        {
            return 'postgresql';
        }

        public function quote(string $text): string
        {
            return "'" . str_replace("'", "''", $text) . "'";
        }

        public function setQuery(string $sql): self
        {
            $this->sql    = $sql;
            $this->sent[] = $sql;

            return $this;
        }

        public function loadResult()
        {
            return str_starts_with($this->sql, 'SELECT pg_try_advisory_lock(') ? ($this->tryLock)() : true;
        }
    }

    // Body values.
    check('flat body', CreateLock::values(['email' => ' Ann@Example.org ', 'username' => 'ann', 'name' => 'Ann']), ['email' => 'Ann@Example.org', 'username' => 'ann']);
    check('JSON:API body', CreateLock::values(['data' => ['attributes' => ['username' => 'ann', 'email' => 'ann@example.org']]]), ['email' => 'ann@example.org', 'username' => 'ann']);
    check('empty and missing values are left out', CreateLock::values(['email' => '  ', 'username' => ['x']]), []);
    check('not an object', CreateLock::values('x'), []);
    check('null body', CreateLock::values(null), []);

    // Lock names.
    $scope = 'joomla|jos_users';
    $name  = CreateLock::name('email', 'ann@example.org', $scope);
    check('name: prefixed and hashed', $name, 'cmsuser_email_' . md5($scope . '|ann@example.org'));
    check('name: case ignored', CreateLock::name('email', 'ANN@example.ORG', $scope), $name);
    check('name: trailing spaces ignored', CreateLock::name('email', 'ann@example.org ', $scope), $name);
    check('name: email and username differ', CreateLock::name('username', 'ann@example.org', $scope) === $name, false);
    check('name: another site differs', CreateLock::name('email', 'ann@example.org', 'other|jos_users') === $name, false);
    if (class_exists(\Normalizer::class)) {
        check('name: accents ignored (intl)', CreateLock::name('username', "J\u{00F6}rg M\u{00FC}ller", $scope), CreateLock::name('username', 'jorg muller', $scope));
    }
    check('name: fits MySQL (64)', \strlen(CreateLock::name('username', str_repeat('x', 500), $scope)) <= 64, true);
    $key = CreateLock::postgresKey($name);
    check('postgres key: positive 60-bit', $key > 0 && $key < (1 << 60), true);
    check('postgres key: stable', CreateLock::postgresKey($name), $key);

    // PostgreSQL: advisory locks polled until the wait runs out; released with pg_advisory_unlock.
    $free = new ScriptedPostgres(fn () => 't');
    $lock = new CreateLock($free, $scope, 0);
    check('postgres: both taken', $lock->takeAll(['email' => 'ann@example.org', 'username' => 'ann']), null);
    check('postgres: email first', $free->sent[0], 'SELECT pg_try_advisory_lock(' . $key . ')');
    $lock->releaseAll();
    check('postgres: released last first', \array_slice($free->sent, -2), [
        'SELECT pg_advisory_unlock(' . CreateLock::postgresKey(CreateLock::name('username', 'ann', $scope)) . ')',
        'SELECT pg_advisory_unlock(' . $key . ')',
    ]);
    $held = new ScriptedPostgres(fn () => false);
    check('postgres: held past the wait is busy', (new CreateLock($held, $scope, 0))->takeAll(['email' => 'ann@example.org']), 'email');
    $answers = ['t', 'f'];
    $second  = new ScriptedPostgres(function () use (&$answers) {
        return array_shift($answers);
    });
    check('postgres: busy on the username', (new CreateLock($second, $scope, 0))->takeAll(['email' => 'ann@example.org', 'username' => 'ann']), 'username');
    check('postgres: the email lock taken first is given back', end($second->sent), 'SELECT pg_advisory_unlock(' . $key . ')');

    // A database without named locks: creates run unguarded.
    $other = new class () implements DatabaseInterface {
        public function getServerType(): string
        {
            return 'sqlite';
        }
    };
    check('no named locks: not busy', (new CreateLock($other, $scope, 0))->takeAll(['email' => 'ann@example.org']), null);

    // MySQL/MariaDB: two real sessions.
    $dsn = getenv('CMSUSER_TEST_MYSQL_DSN') ?: 'mysql:unix_socket=/run/mysqld/mysqld.sock';
    try {
        $session = static fn () => new PdoDatabase(new PDO($dsn, getenv('CMSUSER_TEST_MYSQL_USER') ?: 'root', getenv('CMSUSER_TEST_MYSQL_PASSWORD') ?: '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]));
        $a       = $session();
        $b       = $session();
        $c       = $session();
    } catch (\Throwable $e) {
        $a = null;
        echo 'MySQL part skipped: ' . $e->getMessage() . "\n";
    }

    if ($a !== null) {
        $scope = 'cmsuser_test_' . bin2hex(random_bytes(4)) . '|jos_users';
        $isFree = static fn (string $field, string $value) => (string) $c->setQuery('SELECT IS_FREE_LOCK(' . $c->quote(CreateLock::name($field, $value, $scope)) . ')')->loadResult();

        $first = new CreateLock($a, $scope, 0);
        check('mysql: first create takes both', $first->takeAll(['email' => 'ann@example.org', 'username' => 'ann']), null);
        check('mysql: the email is locked for others', $isFree('email', 'ANN@example.org'), '0');
        check('mysql: a second create of the email (other case) is busy', (new CreateLock($b, $scope, 0))->takeAll(['email' => 'Ann@Example.org', 'username' => 'ann2']), 'email');
        check('mysql: the busy create holds nothing', $isFree('username', 'ann2'), '1');
        $first->releaseAll();
        check('mysql: released', $isFree('email', 'ann@example.org'), '1');

        $onlyName = new CreateLock($a, $scope, 0);
        $onlyName->takeAll(['username' => 'bob']);
        check('mysql: busy on the username', (new CreateLock($b, $scope, 0))->takeAll(['email' => 'bob@example.org', 'username' => 'BOB']), 'username');
        check('mysql: the email lock taken first is given back', $isFree('email', 'bob@example.org'), '1');
        $onlyName->releaseAll();
        $second = new CreateLock($b, $scope, 0);
        check('mysql: free again once released', $second->takeAll(['email' => 'bob@example.org', 'username' => 'bob']), null);
        $second->releaseAll();

        // A session that ends releases its locks (a request that dies).
        $dying = new CreateLock($session(), $scope, 0);
        $dying->takeAll(['email' => 'carl@example.org']);
        unset($dying);
        gc_collect_cycles();
        check('mysql: a closed session frees its locks', (new CreateLock($b, $scope, 1))->takeAll(['email' => 'carl@example.org']), null);
    }

    foreach ($failures as $failure) {
        fwrite(STDERR, 'FAIL ' . $failure . "\n");
    }

    printf("%d checks, %d failed\n", $checks, \count($failures));
    exit($failures ? 1 : 0);
}
