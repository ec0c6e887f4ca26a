<?php

/**
 * Joomla's create race, reproduced on a real MySQL/MariaDB with real processes, with and without the companion's
 * CreateLock (pkg_cmsuser 0.1.1). Not Joomla itself: each process runs the SQL of Table\User::check() (username,
 * then LOWER(email) look-up) and Table\User::store() (the insert) on a scratch table shaped as #__users (unique key
 * on username, plain index on email), with a pause between them standing for the rest of User::save() (access
 * checks, onUserBeforeSave plugins).
 *
 *   php integrations/joomla/tests/create_race.php [processes=8] [rounds=5] [gap_ms=5]
 *
 * Prints, per mode, how many rounds ended with more than one row for the email; exits 1 when a locked round did.
 * Needs a server (CMSUSER_TEST_MYSQL_DSN, default the local socket as root); skips otherwise.
 *
 * @license GNU General Public License version 2 or later
 */

namespace {
    require_once __DIR__ . '/pdo_database.php';
    \define('_JEXEC', 1);
    require_once __DIR__ . '/../pkg_cmsuser/plg_webservices_cmsuser/src/Extension/CreateLock.php';

    use Joomla\Database\DatabaseInterface;
    use Skvare\Plugin\WebServices\Cmsuser\Extension\CreateLock;

    function connect(): PDO
    {
        $dsn = getenv('CMSUSER_TEST_MYSQL_DSN') ?: 'mysql:unix_socket=/run/mysqld/mysqld.sock';

        return new PDO($dsn, getenv('CMSUSER_TEST_MYSQL_USER') ?: 'root', getenv('CMSUSER_TEST_MYSQL_PASSWORD') ?: '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
    }

    // Child: one create, started at the shared moment.
    if (($argv[1] ?? '') === 'child') {
        [, , $table, $email, $username, $locked, $startAt, $gapMs] = $argv;
        $pdo = connect();
        $lock = null;
        while (microtime(true) < (float) $startAt) {
            usleep(200);
        }

        if ($locked === '1') {
            $lock = new CreateLock(new PdoDatabase($pdo), $table, 10);
            if ($lock->takeAll(['email' => $email, 'username' => $username]) !== null) {
                echo "busy\n";
                exit(0);
            }
        }

        $taken = $pdo->prepare("SELECT id FROM $table WHERE username = ?");
        $taken->execute([$username]);
        $used = $pdo->prepare("SELECT id FROM $table WHERE LOWER(email) = LOWER(?)");
        $used->execute([$email]);
        if ($taken->fetchColumn() || $used->fetchColumn()) {
            echo "refused\n";
        } else {
            usleep((int) $gapMs * 1000);
            $pdo->prepare("INSERT INTO $table (name, username, email) VALUES (?, ?, ?)")->execute([$username, $username, $email]);
            echo "created\n";
        }

        $lock?->releaseAll();
        exit(0);
    }

    $processes = (int) ($argv[1] ?? 8);
    $rounds = (int) ($argv[2] ?? 5);
    $gapMs = (int) ($argv[3] ?? 5);
    try {
        $pdo = connect();
    } catch (\Throwable $e) {
        echo 'skipped: ' . $e->getMessage() . "\n";
        exit(0);
    }

    $database = 'cmsuser_race_' . bin2hex(random_bytes(4));
    $pdo->exec("CREATE DATABASE $database");
    $table = "$database.jos_users";
    $pdo->exec("CREATE TABLE $table (id int NOT NULL AUTO_INCREMENT, name varchar(400) NOT NULL DEFAULT '', username varchar(150) NOT NULL DEFAULT '', email varchar(100) NOT NULL DEFAULT '', PRIMARY KEY (id), UNIQUE KEY idx_username (username), KEY email (email)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    $failed = false;
    try {
        foreach (['without the lock' => '0', 'with the lock' => '1'] as $mode => $locked) {
            $duplicated = 0;
            $rows = [];
            for ($round = 1; $round <= $rounds; $round++) {
                $email = "race$round.$locked@example.org";
                $startAt = sprintf('%.6F', microtime(true) + 0.5);
                $children = [];
                for ($i = 1; $i <= $processes; $i++) {
                    $command = [PHP_BINARY, __FILE__, 'child', $table, $i % 2 === 0 ? strtoupper($email) : $email, "race$round.$locked.$i", $locked, $startAt, (string) $gapMs];
                    $children[] = proc_open($command, [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $pipes);
                }

                foreach ($children as $child) {
                    proc_close($child);
                }

                $count = $pdo->prepare("SELECT COUNT(*) FROM $table WHERE LOWER(email) = LOWER(?)");
                $count->execute([$email]);
                $n = (int) $count->fetchColumn();
                $rows[] = $n;
                if ($n > 1) {
                    $duplicated++;
                }
            }

            printf("%s: %d processes per email, %d rounds: rows per email %s; %d of %d rounds made more than one account\n", $mode, $processes, $rounds, implode(',', $rows), $duplicated, $rounds);
            if ($locked === '1' && ($duplicated > 0 || \in_array(0, $rows, true))) {
                $failed = true;
            }
        }
    } finally {
        $pdo->exec("DROP DATABASE $database");
    }

    exit($failed ? 1 : 0);
}
