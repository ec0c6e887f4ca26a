using System.Globalization;
using System.Numerics;
using System.Text;

namespace Skvare.CmsUser.Shared;

/// <summary>
/// A money or decimal custom field's value as CiviCRM 6.17.2 displays it in a token (HTML type <c>Text</c>,
/// <c>CRM_Core_BAO_CustomField::formatDisplayValue</c>); checked against PHP 8.2.36 with ICU 72.1 and the real site
/// (recording <c>civicrm-6.17.2-money-*</c>).
/// <list type="bullet">
/// <item>API v4 hands PHP a float, which PHP turns into text with 14 significant digits (<c>precision</c>: <c>1234.5</c>,
/// <c>1.2345678901234E+14</c>, <c>1.0E-5</c>, <c>-0</c>): <see cref="PhpText(double)"/>.</item>
/// <item>Money (<c>CRM_Utils_Money::formatLocaleNumericRoundedForDefaultCurrency</c>): that text rounded half up to two
/// decimals, written as <c>en_US</c> writes it (<c>1,234.50</c>, <c>0.00</c>, <c>-1,234.57</c>), then <c>,</c> and
/// <c>.</c> swapped for the site's <c>monetaryThousandSeparator</c> and <c>monetaryDecimalPoint</c>. No currency symbol
/// and no <c>moneyformat</c>: those are for contribution amounts, not custom fields.</item>
/// <item>Decimal (<c>CRM_Utils_Number::formatLocaleNumeric</c>): PHP reads the text back as a whole number when it is
/// one (<c>-0</c> becomes <c>0</c>) or as a float, which ICU's decimal format writes with grouping and at most three
/// decimals rounded half to even (<c>1,234.568</c>, <c>1</c> for <c>1.0005</c>, <c>-0</c> for <c>-0.0001</c>,
/// <c>10,000,000,000,000,000,000,000,000</c> for <c>1e25</c>), with the site's two separators as its symbols.</item>
/// </list>
/// CiviCRM formats a decimal in the language of the message (the site's, <c>en_US</c> on the recorded site); languages
/// whose number pattern differs from <c>en_US</c>'s (Indian grouping, other digits) are not reproduced.
/// </summary>
internal static class CiviNumber
{
    /// <summary>The site's separators (CiviCRM's defaults: <c>,</c> and <c>.</c>).</summary>
    /// <param name="Thousands"><c>monetaryThousandSeparator</c>.</param>
    /// <param name="Decimal"><c>monetaryDecimalPoint</c>.</param>
    public sealed record Separators(string Thousands, string Decimal)
    {
        /// <summary>CiviCRM's defaults.</summary>
        public static Separators Default { get; } = new(",", ".");
    }

    /// <summary>A number as PHP 8.2 writes a float with <c>precision = 14</c> (<c>(string) $float</c>, <c>zend_gcvt</c>).</summary>
    /// <param name="value">The value (finite).</param>
    public static string PhpText(double value)
    {
        if (value == 0)
        {
            return double.IsNegative(value) ? "-0" : "0";
        }

        var (digits, point) = Round(ExactDigits(Math.Abs(value)), 14, halfEven: true);
        digits = digits.TrimEnd('0');
        var sign = value < 0 ? "-" : "";

        // zend_gcvt: exponential when the point is more than 3 places left of the first digit or past the 14th.
        if (point < -3 || point > 14)
        {
            var exponent = point - 1;
            var mantissa = digits.Length == 1 ? digits + ".0" : digits[..1] + "." + digits[1..];
            return $"{sign}{mantissa}E{(exponent < 0 ? "-" : "+")}{Math.Abs(exponent).ToString(CultureInfo.InvariantCulture)}";
        }

        return sign + Fixed(digits, point);
    }

    /// <summary>A money field's display (see the class remarks), or <see langword="null"/> when <paramref name="phpText"/> is not a number PHP reads.</summary>
    /// <param name="phpText">The value as PHP holds it as text (<see cref="PhpText(double)"/>, or API v4's text).</param>
    /// <param name="separators">The site's separators.</param>
    public static string? Money(string phpText, Separators separators)
    {
        if (Parse(phpText) is not var (negative, digits, point))
        {
            return null;
        }

        // Money::of(..., new CustomContext(2), RoundingMode::HALF_UP), then en_US with two decimals at least.
        var (rounded, roundedPoint) = RoundAt(digits, point, 2, halfEven: false);
        var zero = rounded.All(c => c == '0');
        var text = Grouped(rounded, roundedPoint, minDecimals: 2, separators);
        return (negative && !zero ? "-" : "") + text;
    }

    /// <summary>A decimal field's display (see the class remarks), or <see langword="null"/> when <paramref name="phpText"/> is not a number PHP reads.</summary>
    /// <param name="phpText">The value as PHP holds it as text (<see cref="PhpText(double)"/>, or API v4's text).</param>
    /// <param name="separators">The site's separators.</param>
    public static string? Decimal(string phpText, Separators separators)
    {
        if (Parse(phpText) is not var (negative, digits, point))
        {
            return null;
        }

        // A whole-number string is a PHP int (no sign for -0); anything else a float, whose sign ICU keeps.
        var whole = IsWholeNumber(phpText);
        var (rounded, roundedPoint) = RoundAt(digits, point, 3, halfEven: true);
        var zero = rounded.All(c => c == '0');
        var text = Grouped(rounded, roundedPoint, minDecimals: 0, separators);
        return (negative && !(whole && zero) ? "-" : "") + text;
    }

    /// <summary>Whether PHP reads the text as an int (a 64-bit whole number with an optional sign, and leading/trailing white space).</summary>
    private static bool IsWholeNumber(string text)
    {
        var t = text.Trim(' ', '\t', '\n', '\r', '\v', '\f');
        var body = t.StartsWith('-') || t.StartsWith('+') ? t[1..] : t;
        return body.Length > 0 && body.All(char.IsAsciiDigit) && long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
    }

    /// <summary>
    /// A numeric text as PHP's <c>is_numeric</c> takes it (optional white space and sign, digits with an optional point,
    /// an optional exponent): its sign, its significant digits (no leading zeros; empty for zero) and where the point goes
    /// (value = 0.digits × 10^point).
    /// </summary>
    internal static (bool Negative, string Digits, int Point)? Parse(string text)
    {
        var t = text.AsSpan().TrimStart(" \t\n\r\v\f").TrimEnd(" \t\n\r\v\f");
        var i = 0;
        var negative = false;
        if (i < t.Length && t[i] is '-' or '+')
        {
            negative = t[i] == '-';
            i++;
        }

        var digits = new StringBuilder();
        var point = 0;
        var seenDigit = false;
        while (i < t.Length && char.IsAsciiDigit(t[i]))
        {
            seenDigit = true;
            if (digits.Length > 0 || t[i] != '0')
            {
                digits.Append(t[i]);
                point++;
            }

            i++;
        }

        if (i < t.Length && t[i] == '.')
        {
            i++;
            while (i < t.Length && char.IsAsciiDigit(t[i]))
            {
                seenDigit = true;
                if (digits.Length > 0 || t[i] != '0')
                {
                    digits.Append(t[i]);
                }
                else
                {
                    point--;
                }

                i++;
            }
        }

        if (!seenDigit)
        {
            return null;
        }

        if (i < t.Length && t[i] is 'e' or 'E')
        {
            i++;
            var expNegative = false;
            if (i < t.Length && t[i] is '-' or '+')
            {
                expNegative = t[i] == '-';
                i++;
            }

            var start = i;
            while (i < t.Length && char.IsAsciiDigit(t[i]))
            {
                i++;
            }

            if (i == start || !int.TryParse(t[start..i], NumberStyles.None, CultureInfo.InvariantCulture, out var exponent) || exponent > 100_000)
            {
                return null;
            }

            point += expNegative ? -exponent : exponent;
        }

        if (i != t.Length)
        {
            return null;
        }

        var significant = digits.ToString().TrimEnd('0');
        return (negative, significant, significant.Length == 0 ? 0 : point);
    }

    /// <summary>The exact decimal digits of a positive finite double, and where the point goes (value = 0.digits × 10^point).</summary>
    private static (string Digits, int Point) ExactDigits(double value)
    {
        var bits = BitConverter.DoubleToInt64Bits(value);
        var exponent = (int)((bits >> 52) & 0x7FF);
        var mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exponent == 0)
        {
            exponent = 1;
        }
        else
        {
            mantissa |= 1L << 52;
        }

        exponent -= 1075;
        string digits;
        int point;
        if (exponent >= 0)
        {
            digits = (new BigInteger(mantissa) << exponent).ToString(CultureInfo.InvariantCulture);
            point = digits.Length;
        }
        else
        {
            // mantissa / 2^-e = mantissa × 5^-e / 10^-e.
            digits = (new BigInteger(mantissa) * BigInteger.Pow(5, -exponent)).ToString(CultureInfo.InvariantCulture);
            point = digits.Length + exponent;
        }

        var trimmed = digits.TrimStart('0');
        return (trimmed.TrimEnd('0'), point - (digits.Length - trimmed.Length));
    }

    /// <summary>Rounds significant digits to <paramref name="count"/> of them.</summary>
    private static (string Digits, int Point) Round((string Digits, int Point) number, int count, bool halfEven) =>
        RoundAt(number.Digits, number.Point, count - number.Point, halfEven);

    /// <summary>Rounds to <paramref name="decimals"/> places after the point (half to even, or half away from zero).</summary>
    private static (string Digits, int Point) RoundAt(string digits, int point, int decimals, bool halfEven)
    {
        var keep = point + decimals;
        if (digits.Length <= keep)
        {
            return (digits, point);
        }

        if (keep < 0)
        {
            return ("", 0);
        }

        var kept = digits[..keep];
        var first = digits[keep];
        var rest = digits[(keep + 1)..];
        var up = first > '5' || (first == '5' && (!halfEven || rest.Any(c => c != '0') || (kept.Length > 0 && (kept[^1] - '0') % 2 == 1)));
        if (!up)
        {
            kept = kept.TrimEnd('0');
            return kept.Length == 0 ? ("", 0) : (kept, point);
        }

        var chars = kept.ToCharArray();
        var j = chars.Length - 1;
        while (j >= 0 && chars[j] == '9')
        {
            chars[j] = '0';
            j--;
        }

        if (j < 0)
        {
            return (("1" + new string(chars)).TrimEnd('0'), point + 1);
        }

        chars[j]++;
        return (new string(chars).TrimEnd('0'), point);
    }

    /// <summary>Digits written out with the point where it goes (no grouping).</summary>
    private static string Fixed(string digits, int point)
    {
        if (digits.Length == 0)
        {
            return "0";
        }

        if (point <= 0)
        {
            return "0." + new string('0', -point) + digits;
        }

        return point >= digits.Length ? digits + new string('0', point - digits.Length) : digits[..point] + "." + digits[point..];
    }

    /// <summary>The magnitude with groups of three and at least <paramref name="minDecimals"/> decimals, as en_US writes it, with the site's symbols.</summary>
    private static string Grouped(string digits, int point, int minDecimals, Separators separators)
    {
        string integer, fraction;
        if (digits.Length == 0)
        {
            integer = "0";
            fraction = "";
        }
        else if (point <= 0)
        {
            integer = "0";
            fraction = new string('0', -point) + digits;
        }
        else if (point >= digits.Length)
        {
            integer = digits + new string('0', point - digits.Length);
            fraction = "";
        }
        else
        {
            integer = digits[..point];
            fraction = digits[point..];
        }

        fraction = fraction.PadRight(minDecimals, '0');
        var text = new StringBuilder();
        for (var k = 0; k < integer.Length; k++)
        {
            if (k > 0 && (integer.Length - k) % 3 == 0)
            {
                text.Append(separators.Thousands);
            }

            text.Append(integer[k]);
        }

        if (fraction.Length > 0)
        {
            text.Append(separators.Decimal).Append(fraction);
        }

        return text.ToString();
    }
}
