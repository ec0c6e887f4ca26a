<?php
/*
 * This file is part of com.skvare.cmsuserwebhook.
 * SPDX-License-Identifier: GPL-2.0-or-later
 */

/**
 * Small helpers bound to this extension: translation domain, paths and URLs.
 */
class CRM_Cmsuserwebhook_ExtensionUtil {

  const SHORT_NAME = 'cmsuserwebhook';
  const LONG_NAME = 'com.skvare.cmsuserwebhook';

  /**
   * Translates a string in this extension's domain.
   */
  public static function ts($text, $params = []): string {
    if (!array_key_exists('domain', $params)) {
      $params['domain'] = [self::LONG_NAME, NULL];
    }
    return ts($text, $params);
  }

  /**
   * A path inside this extension.
   */
  public static function path($file = NULL): string {
    return __DIR__ . '/../..' . ($file === NULL ? '' : '/' . $file);
  }

  /**
   * A URL inside this extension.
   */
  public static function url($file = NULL): string {
    $base = CRM_Core_Resources::singleton()->getUrl(self::LONG_NAME);
    return $file === NULL ? rtrim($base, '/') : $base . $file;
  }

}
