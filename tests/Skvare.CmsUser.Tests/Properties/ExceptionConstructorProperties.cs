using CsCheck;

namespace Skvare.CmsUser.Tests.Properties;

/// <summary>
/// The exceptions take every value through a constructor and keep it read-only; no constructor adds to the message, so
/// what a caller passes as the message (which never holds a secret) is all that logs, activities and webhook answers
/// show, whatever the server sent as its status and error code.
/// </summary>
public sealed class ExceptionConstructorProperties
{
    /// <summary>A value a server could send as its error code, including one that echoes a credential.</summary>
    private static readonly Gen<string?> ErrorCodes = Gen.Frequency(
        (1, Gen.Const((string?)null)),
        (3, HostileText.Text.Select(t => (string?)t)),
        (2, Gen.String[Gen.Char.AlphaNumeric, 16, 40].Select(s => (string?)("Bearer api-key-" + s))));

    private static readonly Gen<int?> Statuses = Gen.Frequency(
        (1, Gen.Const((int?)null)),
        (4, Gen.Int[100, 599].Select(s => (int?)s)),
        (1, Gen.Int.Select(s => (int?)s)));

    [Fact]
    public void The_message_is_exactly_the_one_given_and_the_answer_is_kept_beside_it()
    {
        Gen.Select(HostileText.Text, Statuses, ErrorCodes, Gen.Enum<CmsErrorReason>()).Sample(
            (message, status, code, reason) =>
            {
                var inner = new InvalidOperationException("cause");
                CmsUserException[] thrown =
                [
                    new CmsProviderException("X", reason, message, statusCode: status, errorCode: code, innerException: inner),
                    new CmsProviderException("X", reason, message, statusCode: status, errorCode: code),
                    new Probe(message, status, code, inner),
                ];

                // The same exceptions without the server's answer: their text is what the ones above must show.
                CmsUserException[] bare =
                [
                    new CmsProviderException("X", reason, message, statusCode: null, errorCode: null, innerException: inner),
                    new CmsProviderException("X", reason, message, statusCode: null, errorCode: null),
                    new Probe(message, null, null, inner),
                ];

                for (var i = 0; i < thrown.Length; i++)
                {
                    var ex = thrown[i];
                    ex.Message.Should().Be(message);
                    (ex.StatusCode, ex.ErrorCode).Should().Be((status, code));

                    // Compared whole, not searched for the code: a short code ("-") is in any exception's text.
                    ex.ToString().Should().Be(bare[i].ToString(), "the server's status and code are properties, never part of the text");
                }

                ((CmsProviderException)thrown[0]).Reason.Should().Be(reason);
                thrown[0].InnerException.Should().BeSameAs(inner);
            },
            iter: 500,
            threads: 1,
            print: t => t.ToString());
    }

    [Fact]
    public void The_standard_constructors_carry_no_answer()
    {
        var inner = new InvalidOperationException("cause");
        CmsUserException[] plain =
        [
            new CmsProviderException("X", CmsErrorReason.Unavailable, "m"),
            new CmsProviderException("X", CmsErrorReason.Unavailable, "m", inner),
            new CmsProviderException("X", CmsErrorReason.Unavailable, "m", null),
            new CmsUserConfigurationException(),
            new CmsUserConfigurationException("m"),
            new CmsUserConfigurationException("m", inner),
            new Probe(),
            new Probe("m"),
            new Probe("m", inner),
        ];

        plain.Should().OnlyContain(ex => ex.StatusCode == null && ex.ErrorCode == null);
        plain.Where((_, i) => i is not 3 and not 6).Should().OnlyContain(ex => ex.Message == "m", "all but the parameterless ones were given \"m\"");
        plain[1].InnerException.Should().BeSameAs(inner);
        plain[5].InnerException.Should().BeSameAs(inner);
        plain[3].Kind.Should().Be(FailureKind.Configuration);
    }

    [Fact]
    public void Status_and_code_cannot_be_set_after_the_throw()
    {
        foreach (var name in new[] { nameof(CmsUserException.StatusCode), nameof(CmsUserException.ErrorCode) })
        {
            typeof(CmsUserException).GetProperty(name)!.SetMethod.Should().BeNull($"{name} comes through the constructor only");
        }
    }

    /// <summary>A provider author's own exception, through the base's protected constructors.</summary>
    private sealed class Probe : CmsUserException
    {
        public Probe()
        {
        }

        public Probe(string message)
            : base(message)
        {
        }

        public Probe(string message, Exception? innerException)
            : base(message, innerException)
        {
        }

        public Probe(string message, int? statusCode, string? errorCode, Exception? innerException)
            : base(message, statusCode, errorCode, innerException)
        {
        }

        public override FailureKind Kind => FailureKind.Permanent;
    }
}
