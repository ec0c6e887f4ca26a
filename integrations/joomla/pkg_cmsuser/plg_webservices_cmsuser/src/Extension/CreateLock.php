<?php

/**
 * Named database locks that serialise creates of one email address or username (companion 0.1.1).
 *
 * Joomla's Table\User::check() looks the email up (LOWER(email) = LOWER(:mail)) and the username up, and
 * Table\User::store() inserts afterwards; #__users has a unique key on username (idx_username) but only a plain
 * index on email. Two API requests creating one email address at the same moment both pass the check and both
 * insert. Taking these locks (email first, then username, always in that order) before core's create runs makes
 * the later create see the earlier one's row and get core's "email address you entered is already in use".
 *
 * MySQL and MariaDB: GET_LOCK()/RELEASE_LOCK() (server-wide names, so the name carries the database and table).
 * PostgreSQL: pg_try_advisory_lock()/pg_advisory_unlock() on a 60-bit key hashed from the name, polled until the
 * wait runs out. Both kinds belong to the database session, so they are also released when the request ends.
 * Other databases have no lock here; creates then run as core runs them, unguarded.
 *
 * @license GNU General Public License version 2 or later
 */

namespace Skvare\Plugin\WebServices\Cmsuser\Extension;

\defined('_JEXEC') or die;

use Joomla\Database\DatabaseInterface;

final class CreateLock
{
    /** Seconds a create waits for another create of the same value before it answers busy. */
    public const WAIT = 10;

    /** @var string[] */
    private array $held = [];

    /**
     * @param   DatabaseInterface  $db     The site's database.
     * @param   string             $scope  What the lock names are unique to (the database and its users table).
     * @param   int                $wait   Seconds to wait for a lock another request holds.
     */
    public function __construct(private readonly DatabaseInterface $db, private readonly string $scope, private readonly int $wait = self::WAIT)
    {
    }

    /**
     * The email address and username of a core create body: flat ({"email": …, "username": …}) or JSON:API
     * ({"data": {"attributes": {…}}}); trimmed, empty or missing values left out, email first.
     *
     * @return array<string, string>
     */
    public static function values(mixed $body): array
    {
        if (!\is_array($body)) {
            return [];
        }

        if (isset($body['data']['attributes']) && \is_array($body['data']['attributes'])) {
            $body = $body['data']['attributes'];
        }

        $values = [];
        foreach (['email', 'username'] as $field) {
            $value = isset($body[$field]) && \is_scalar($body[$field]) ? trim((string) $body[$field]) : '';
            if ($value !== '') {
                $values[$field] = $value;
            }
        }

        return $values;
    }

    /**
     * The lock name for creates of one value. Folded at least as much as the database compares: lower-cased and,
     * when PHP has intl, compatibility-decomposed without combining marks (utf8mb4_unicode_ci ignores case and
     * accents); hashed so it fits MySQL's 64 characters.
     */
    public static function name(string $field, string $value, string $scope): string
    {
        $folded = rtrim($value, ' ');
        if (class_exists(\Normalizer::class)) {
            $decomposed = \Normalizer::normalize($folded, \Normalizer::FORM_KD);
            if (\is_string($decomposed)) {
                $folded = (string) preg_replace('/\p{Mn}+/u', '', $decomposed);
            }
        }

        $folded = \function_exists('mb_strtolower') ? mb_strtolower($folded, 'UTF-8') : strtolower($folded);

        return 'cmsuser_' . ($field === 'email' ? 'email' : 'username') . '_' . md5($scope . '|' . $folded);
    }

    /** The PostgreSQL advisory lock key of a lock name: its md5's first 60 bits, a positive bigint. */
    public static function postgresKey(string $name): int
    {
        return (int) hexdec(substr(md5($name), 0, 15));
    }

    /**
     * Takes the locks of the values in turn.
     *
     * @param   array<string, string>  $values  The values by field, in the order the locks are taken.
     *
     * @return  ?string  null when every lock is held (or the database has none); else the field whose lock another
     *                   request held for longer than the wait (the locks taken before it are released again).
     */
    public function takeAll(array $values): ?string
    {
        foreach ($values as $field => $value) {
            $name  = self::name($field, $value, $this->scope);
            $taken = $this->take($name);
            if ($taken === false) {
                $this->releaseAll();

                return $field;
            }

            if ($taken === true) {
                $this->held[] = $name;
            }
        }

        return null;
    }

    /** Releases the locks this request holds, last taken first. */
    public function releaseAll(): void
    {
        foreach (array_reverse($this->held) as $name) {
            if ($this->isPostgres()) {
                $this->db->setQuery('SELECT pg_advisory_unlock(' . self::postgresKey($name) . ')')->loadResult();
            } else {
                $this->db->setQuery('SELECT RELEASE_LOCK(' . $this->db->quote($name) . ')')->loadResult();
            }
        }

        $this->held = [];
    }

    /** true when taken, false when another session held it past the wait, null when this database has no named locks. */
    private function take(string $name): ?bool
    {
        $type = strtolower((string) $this->db->getServerType());
        if ($type === 'mysql') {
            $result = $this->db->setQuery('SELECT GET_LOCK(' . $this->db->quote($name) . ', ' . $this->wait . ')')->loadResult();

            return $result === null ? null : (string) $result === '1';
        }

        if ($type === 'postgresql') {
            $deadline = microtime(true) + $this->wait;
            $key      = self::postgresKey($name);
            while (true) {
                $result = $this->db->setQuery('SELECT pg_try_advisory_lock(' . $key . ')')->loadResult();
                if ($result === true || $result === 't' || $result === '1' || $result === 1) {
                    return true;
                }

                if (microtime(true) >= $deadline) {
                    return false;
                }

                usleep(50000);
            }
        }

        return null;
    }

    private function isPostgres(): bool
    {
        return strtolower((string) $this->db->getServerType()) === 'postgresql';
    }
}
