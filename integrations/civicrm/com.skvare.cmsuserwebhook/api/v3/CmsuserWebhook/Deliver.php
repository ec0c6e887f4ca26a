<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/**
 * CmsuserWebhook.deliver: sends the queued webhook calls whose time has come (run by the
 * scheduled job "CMS User Webhook: send queued calls", every cron run).
 *
 * @param array $params
 *   Optional: limit (most calls in one run, default 500), time_limit (seconds, default 240).
 *
 * @return array
 */
function civicrm_api3_cmsuser_webhook_deliver($params) {
  $limit = max(1, (int) ($params['limit'] ?? 500));
  $budget = max(1, (int) ($params['time_limit'] ?? 240));
  $counts = \Civi\Cmsuserwebhook\Delivery::runQueue(\Civi\Cmsuserwebhook\Config::load(), $limit, $budget);
  return civicrm_api3_create_success([$counts], $params, 'CmsuserWebhook', 'deliver');
}

/**
 * Parameters of CmsuserWebhook.deliver.
 *
 * @param array $spec
 */
function _civicrm_api3_cmsuser_webhook_deliver_spec(&$spec) {
  $spec['limit'] = [
    'title' => 'Most calls in one run',
    'type' => CRM_Utils_Type::T_INT,
    'api.default' => 500,
  ];
  $spec['time_limit'] = [
    'title' => 'Seconds one run may take',
    'type' => CRM_Utils_Type::T_INT,
    'api.default' => 240,
  ];
}
