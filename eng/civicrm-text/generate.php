<?php
// Prints what CiviCRM 6.17.2's own code (its vendor libraries, run by this PHP) makes of custom field values in a
// plain-text token, for tests/Skvare.CmsUser.CiviCrm.Tests/CiviCrmText.json (CustomValueOracleTests):
//   text:    rtrim(CRM_Utils_String::htmlToText($value))   (TokenRow::fill), with htmlToText's token marking
//   money:   CRM_Utils_Money::formatLocaleNumericRoundedForDefaultCurrency((float) $value) with USD, en_US, "," and "."
//   decimal: CRM_Utils_Number::formatLocaleNumeric((float) $value) in en_US with "," and "."
// The formatting lines repeat CiviCRM 6.17.2's calls (Brick\Money and NumberFormatter, CustomField::formatDisplayValue);
// the HTML conversion is the vendored Soundasleep\Html2Text itself. Inputs: fixed hostile cases, then seeded random ones.
// Run: php8.2 eng/civicrm-text/generate.php <civicrm plugin dir>/civicrm > tests/Skvare.CmsUser.CiviCrm.Tests/CiviCrmText.json
require $argv[1] . '/vendor/autoload.php';

use Brick\Math\RoundingMode;
use Brick\Money\Context\CustomContext;
use Brick\Money\Money;

function text_of(string $html): string {
  $marked = preg_replace('!\{([a-z_.]+)\}!i', 'token:{$1}', $html);
  $text = \Soundasleep\Html2Text::convert($marked, ['ignore_errors' => TRUE]);
  return rtrim(preg_replace('!token\:\{([a-z_.]+)\}!i', '{$1}', $text));
}

function money_of(float $value): string {
  $money = Money::of((string) $value, 'USD', new CustomContext(2), RoundingMode::HALF_UP);
  $formatter = new \NumberFormatter('en_US', \NumberFormatter::DECIMAL);
  $formatter->setAttribute(\NumberFormatter::MIN_FRACTION_DIGITS, 2);
  return strtr($money->formatWith($formatter), [',' => ',', '.' => '.']);
}

function decimal_of(string $amount): string {
  $formatter = new \NumberFormatter('en_US', \NumberFormatter::DECIMAL);
  $formatter->setSymbol(\NumberFormatter::DECIMAL_SEPARATOR_SYMBOL, '.');
  $formatter->setSymbol(\NumberFormatter::GROUPING_SEPARATOR_SYMBOL, ',');
  return $formatter->format($amount);
}

$texts = [
  'Tom &amp; Jerry', '&amp', 'a &amp b', '&apos;x&apos;', '&hellip;', '&nbsp;0', '&#65;&#x42;&#0;&#xD800;&#1114112;', '&bogus;',
  '<b>x</b>', 'a<br>b', '<p>a</p><p>b</p>', 'a < b', 'a<b', '<3 love', 'x<!-- c -->y', '<script>x</script>y', '<a href="u">t</a>',
  'a&lt;b&gt;', '&quot;q&quot;', '&#x1F600;', '&euro;10', '<i>x</i> <i>y</i>', 'a&#32;&#32;b', '<div>a</div>b', '&AMP;', '&Amp;',
  'token:{x}', '{contact.first_name}', '<', '&', '&#', '&#x;', 'x</b>y', '<b>x', 'مرحبا <b>عالم</b>', '😀&amp;中文', '<img alt="A">',
  '<li>x</li>', '<hr>', '<td>a</td>', '&lt;b&gt;x&lt;/b&gt;', 'a <3', 'a<3', '<3', '< b', '<<b>x</b>', 'a <> b', 'a </> b', 'a </3 b',
  'a <!x> b', 'a <?x?> b', 'a <!-- x b', '<b x="1 > 2">y</b>', '<b x=1>y</b>', 'a<B>y</B>', '<span>a</span><span>b</span>', 'a<br/>b',
  'a<br />b', '<br>a', 'a<br>', 'a<br><br>b', '&#65', '&#65b', '&#x41', '&amp;amp;', '&ampx;', '&lt', '&lt;', '&copy', '&copy;x',
  '&#150;', '&#128512;', '&#x80;', '&#10;', '&#9;x', '&#13;', '&#xA0;', '&#173;', '&notin;', '&not;in', '&notit;', 'a&nbsp;&nbsp;b',
  '<p>x</p>', '<font color=red>x</font>', '<em>a</em>&amp;<strong>b</strong>', '<u>x</u>', 'x<wbr>y', '<unknown>x</unknown>',
  '<x-y>x</x-y>', '<b>a<i>b</b>c</i>', '<table><tr><td>a</td><td>b</td></tr></table>', '<title>t</title>x', '<style>s</style>x',
  'a&#8203;b', "a\u{200C}b", 'a <!-- c --> b', '<a href="http://x.example">x.example</a>', '<a href="mailto:a@b.example">a@b.example</a>',
  '<a href="u"></a>', '<a name="n">t</a>', '<a href="u" title="T"></a>', 'x <a href="u">t</a> y', '<img title="T" alt="A">', '<img alt="0">',
  '<p>a</p>b', 'a<p>b</p>c', '<ul><li>a</li><li>b</li></ul>', '<h1>T</h1>x', '<blockquote>q</blockquote>', '<pre> a  b </pre>',
  '<b>a<br></b>b', ' <b> </b> x', 'ÅNGSTRÖM &amp; Søn', '&#x5D0;&#x5D1; <i>&#x5D2;</i>', "\u{202E}abc&amp;", 'İstanbul&nbsp;&amp;&nbsp;ß',
  '<b>0</b>', '&#48;', ' &#48; ', '<i></i>0', '0<br>', "0\n", '<br>0', '&nbsp;', '<!-- -->', '<b></b>', '{a}', 'token:&#123;a}',
  '&lt;script&gt;alert(1)&lt;/script&gt;', '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><b>x</b>',
  "a\tb", "a\u{00A0}\u{00A0}b", '<p>a<p>b', '<li>a<li>b', '<div>a<div>b</div></div>', 'x<div>y</div>', '<b>x</b><p>y</p>',
];
$money = [0, 0.5, 1234.5, -1234.5, -0.001, 0.005, 0.015, 1.005, 2.675, 1e14, 123456789012345.0, 99999999999999.99, 1e15, 1e20,
  1.2345678901234567e17, 1e-7, -1e-7, 0.1 + 0.2, 999999999.995, 12345678.125, -0.0];
$decimals = $money;
array_push($decimals, 1234.5675, 1.0005, 0.0005, 1e25, 1e-300, -1e-300, 1234567.891, -0.25, 0.0001, 0.00015, 3.14159265358979, 1e300);

mt_srand(20261202);
$alphabet = ['a', 'b', ' ', "\t", "\n", '<', '>', '/', '&', ';', '#', 'x', '0', '1', '9', 'amp', 'lt', 'nbsp', 'br', 'b', 'i', 'p',
  'div', 'span', '!--', '--', '"', "'", '=', '😀', '中', 'م', "\u{00A0}", 'é'];
$markup = array_merge($alphabet, ['<p>', '</p>', '<div>', '</div>', '<li>', '<ul>', '</ul>', '<a href="u">', '<a href="a">', '</a>',
  '<img alt="q">', '<td>', '<tr>', '<table>', '<h1>', '</h1>', '<hr>', '<br>', '<pre>', '</pre>', '<blockquote>', '</blockquote>',
  '<title>', '</title>', '<script>', '</script>', '<!--', '-->', '&amp;', '&#65;', '&nbsp;']);
foreach ([$alphabet, $markup] as $pieces) {
  for ($n = 0; $n < 1500; $n++) {
    $s = '';
    for ($k = mt_rand(1, 12); $k > 0; $k--) {
      $s .= $pieces[mt_rand(0, count($pieces) - 1)];
    }
    $texts[] = $s;
  }
}
for ($n = 0; $n < 200; $n++) {
  $v = (mt_rand(0, 1) ? -1 : 1) * mt_rand(0, 1000000000) / (10 ** mt_rand(0, 6)) * (10 ** mt_rand(0, 12));
  $money[] = $v;
  $decimals[] = $v;
}

$out = ['php' => PHP_VERSION, 'icu' => INTL_ICU_VERSION, 'libxml' => LIBXML_DOTTED_VERSION, 'text' => [], 'money' => [], 'decimal' => []];
foreach ($texts as $t) {
  $out['text'][] = [$t, text_of($t)];
}
foreach ($money as $m) {
  $out['money'][] = [json_encode((float) $m), money_of((float) $m)];
}
foreach ($decimals as $d) {
  $out['decimal'][] = [json_encode((float) $d), decimal_of((string) (float) $d)];
}
echo json_encode($out, JSON_UNESCAPED_UNICODE | JSON_UNESCAPED_SLASHES | JSON_PRETTY_PRINT | JSON_PRESERVE_ZERO_FRACTION), "\n";
