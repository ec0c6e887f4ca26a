<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

use CRM_Cmsuserwebhook_ExtensionUtil as E;

// The scheduled job that works the queue on every cron run (it claims only calls whose delay has passed).
return [
  [
    'name' => 'Cron:CmsuserWebhook.deliver',
    'entity' => 'Job',
    'cleanup' => 'always',
    'update' => 'unmodified',
    'params' => [
      'version' => 3,
      'name' => E::ts('CMS User Webhook: send queued calls'),
      'description' => E::ts('Sends webhook calls to Skvare.CmsUser that could not be sent at once, with growing delays while the host does not answer.'),
      'run_frequency' => 'Always',
      'api_entity' => 'CmsuserWebhook',
      'api_action' => 'deliver',
      'parameters' => '',
      'is_active' => 1,
    ],
  ],
];
