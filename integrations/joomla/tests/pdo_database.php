<?php

/**
 * What the plain-PHP tests of the Joomla companion need of Joomla's database layer, without Joomla: the interface
 * CreateLock type-hints, and a driver over PDO (one object = one database session) with the subset CreateLock uses.
 *
 * @license GNU General Public License version 2 or later
 */

namespace Joomla\Database {
    /** Stand-in for Joomla's interface (CreateLock only type-hints it). */
    interface DatabaseInterface
    {
    }
}

namespace {
    use Joomla\Database\DatabaseInterface;

    /** The subset of Joomla's database driver CreateLock uses, over PDO (one object = one session). */
    final class PdoDatabase implements DatabaseInterface
    {
        private string $sql = '';

        public function __construct(public readonly PDO $pdo, private readonly string $type = 'mysql')
        {
        }

        public function getServerType(): string
        {
            return $this->type;
        }

        public function quote(string $text): string
        {
            return $this->pdo->quote($text);
        }

        public function setQuery(string $sql): self
        {
            $this->sql = $sql;

            return $this;
        }

        public function loadResult()
        {
            $value = $this->pdo->query($this->sql)->fetchColumn();

            return $value === false ? null : $value;
        }
    }
}
