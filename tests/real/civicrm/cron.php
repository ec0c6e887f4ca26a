<?php
/*
 * Runs CiviCRM's scheduled jobs once, as bin/cron.php does (Job.execute), and prints what the
 * extension's job logged:  php boot.php cron.php
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
$before = (int) CRM_Core_DAO::singleValueQuery('SELECT COALESCE(MAX(id), 0) FROM civicrm_job_log');
civicrm_api3('Job', 'execute', []);
$dao = CRM_Core_DAO::executeQuery("SELECT l.description, l.data FROM civicrm_job_log l JOIN civicrm_job j ON j.id = l.job_id WHERE l.id > %1 AND j.api_entity = 'CmsuserWebhook' ORDER BY l.id", [1 => [$before, 'Integer']]);
while ($dao->fetch()) {
  echo $dao->description, ($dao->data ? ': ' . $dao->data : ''), "\n";
}
