<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

use Civi\Cmsuserwebhook\Config;
use CRM_Cmsuserwebhook_ExtensionUtil as E;

/**
 * Administer » System Settings » CMS User Webhook: where to send, the secret, which groups and
 * tags trigger a call, and the delivery limits.
 */
class CRM_Cmsuserwebhook_Form_Settings extends CRM_Core_Form {

  public function buildQuickForm(): void {
    $this->setTitle(E::ts('CMS User Webhook'));
    $hasSecret = (string) Civi::settings()->get('cmsuserwebhook_secret') !== '';

    $this->add('text', 'cmsuserwebhook_url', E::ts('Webhook URL'), ['class' => 'huge', 'placeholder' => 'https://provisioner.example.org/cmsuser/webhook'], TRUE);
    $this->add('password', 'cmsuserwebhook_secret', E::ts('Shared secret'), [
      'class' => 'huge',
      'autocomplete' => 'new-password',
      'placeholder' => $hasSecret ? E::ts('(unchanged)') : '',
    ], !$hasSecret);
    $this->add('select', 'cmsuserwebhook_groups', E::ts('Trigger groups'), $this->groupOptions(), FALSE, ['multiple' => 'multiple', 'class' => 'crm-select2 huge']);
    $this->add('select', 'cmsuserwebhook_tags', E::ts('Trigger tags'), $this->tagOptions(), FALSE, ['multiple' => 'multiple', 'class' => 'crm-select2 huge']);
    $this->add('text', 'cmsuserwebhook_timeout', E::ts('Timeout (seconds)'), ['min' => 1, 'max' => 120, 'class' => 'four'], TRUE);
    $this->add('text', 'cmsuserwebhook_inline_limit', E::ts('Calls made at once'), ['min' => 0, 'max' => 100, 'class' => 'four'], TRUE);
    $this->add('text', 'cmsuserwebhook_max_attempts', E::ts('Attempts per event'), ['min' => 1, 'max' => 50, 'class' => 'four'], TRUE);
    $this->addFormRule([self::class, 'rules']);

    $this->addButtons([
      ['type' => 'submit', 'name' => E::ts('Save'), 'isDefault' => TRUE],
      ['type' => 'cancel', 'name' => E::ts('Cancel')],
    ]);
    $this->assign('hasSecret', $hasSecret);
    $this->assign('elementNames', [
      'cmsuserwebhook_url', 'cmsuserwebhook_secret', 'cmsuserwebhook_groups', 'cmsuserwebhook_tags',
      'cmsuserwebhook_timeout', 'cmsuserwebhook_inline_limit', 'cmsuserwebhook_max_attempts',
    ]);
    parent::buildQuickForm();
  }

  public function setDefaultValues(): array {
    $settings = Civi::settings();
    return [
      'cmsuserwebhook_url' => $settings->get('cmsuserwebhook_url'),
      'cmsuserwebhook_groups' => (array) $settings->get('cmsuserwebhook_groups'),
      'cmsuserwebhook_tags' => (array) $settings->get('cmsuserwebhook_tags'),
      'cmsuserwebhook_timeout' => $settings->get('cmsuserwebhook_timeout'),
      'cmsuserwebhook_inline_limit' => $settings->get('cmsuserwebhook_inline_limit'),
      'cmsuserwebhook_max_attempts' => $settings->get('cmsuserwebhook_max_attempts'),
    ];
  }

  /**
   * Form rule: a usable URL, a long enough secret, at least one trigger, sane numbers.
   *
   * @return array|true
   */
  public static function rules(array $values) {
    $errors = [];
    if (($why = Config::urlProblem(trim((string) ($values['cmsuserwebhook_url'] ?? '')))) !== NULL) {
      $errors['cmsuserwebhook_url'] = $why;
    }
    $secret = (string) ($values['cmsuserwebhook_secret'] ?? '');
    if ($secret !== '' && strlen($secret) < Config::MIN_SECRET_LENGTH) {
      $errors['cmsuserwebhook_secret'] = E::ts('Use at least %1 characters (the host refuses shorter secrets).', [1 => Config::MIN_SECRET_LENGTH]);
    }
    if (empty($values['cmsuserwebhook_groups']) && empty($values['cmsuserwebhook_tags'])) {
      $errors['cmsuserwebhook_groups'] = E::ts('Select at least one trigger group or tag.');
    }
    foreach (['cmsuserwebhook_timeout' => [1, 120], 'cmsuserwebhook_inline_limit' => [0, 100], 'cmsuserwebhook_max_attempts' => [1, 50]] as $name => [$min, $max]) {
      $value = $values[$name] ?? '';
      if (!is_numeric($value) || (int) $value != $value || $value < $min || $value > $max) {
        $errors[$name] = E::ts('Enter a whole number from %1 to %2.', [1 => $min, 2 => $max]);
      }
    }
    return $errors ?: TRUE;
  }

  public function postProcess(): void {
    $values = $this->exportValues();
    $settings = Civi::settings();
    $settings->set('cmsuserwebhook_url', trim((string) $values['cmsuserwebhook_url']));
    if ((string) ($values['cmsuserwebhook_secret'] ?? '') !== '') {
      $settings->set('cmsuserwebhook_secret', (string) $values['cmsuserwebhook_secret']);
    }
    $settings->set('cmsuserwebhook_groups', array_values(array_map('intval', (array) ($values['cmsuserwebhook_groups'] ?? []))));
    $settings->set('cmsuserwebhook_tags', array_values(array_map('intval', (array) ($values['cmsuserwebhook_tags'] ?? []))));
    $settings->set('cmsuserwebhook_timeout', (int) $values['cmsuserwebhook_timeout']);
    $settings->set('cmsuserwebhook_inline_limit', (int) $values['cmsuserwebhook_inline_limit']);
    $settings->set('cmsuserwebhook_max_attempts', (int) $values['cmsuserwebhook_max_attempts']);
    CRM_Core_Session::setStatus(E::ts('Contacts joining the selected groups and tags will be sent to the webhook.'), E::ts('Saved'), 'success');
  }

  /**
   * Regular groups only: smart group membership is computed, not added, so it raises no hook.
   */
  private function groupOptions(): array {
    $options = [];
    $groups = \Civi\Api4\Group::get(FALSE)
      ->addSelect('id', 'title')
      ->addWhere('is_active', '=', TRUE)
      ->addWhere('saved_search_id', 'IS NULL')
      ->addOrderBy('title')
      ->execute();
    foreach ($groups as $group) {
      $options[$group['id']] = $group['title'];
    }
    return $options;
  }

  private function tagOptions(): array {
    $options = [];
    $tags = \Civi\Api4\Tag::get(FALSE)
      ->addSelect('id', 'label', 'name', 'used_for')
      ->addWhere('is_tagset', '=', FALSE)
      ->addOrderBy('name')
      ->execute();
    foreach ($tags as $tag) {
      if (in_array('civicrm_contact', (array) ($tag['used_for'] ?? []), TRUE)) {
        $options[$tag['id']] = $tag['label'] ?? $tag['name'];
      }
    }
    return $options;
  }

}
