using CsCheck;
using Skvare.CmsUser.CiviCrm.Api;
using Skvare.CmsUser.CiviCrm.Triggers;
using Skvare.CmsUser.Tests.Shared;

namespace Skvare.CmsUser.CiviCrm.Tests;

/// <summary>Whatever JSON CiviCRM answers, the SDK gives a value or a <see cref="CiviCrmApiException"/>, never another exception.</summary>
public sealed class OddAnswerProperties : IDisposable
{
    private readonly CiviHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string Answer(string entity, string row) =>
        $"{{\"entity\":\"{entity}\",\"action\":\"get\",\"version\":4,\"count\":1,\"values\":[{row}]}}";

    [Fact]
    public void Any_trigger_row_gives_its_positive_id_or_a_configuration_error()
    {
        Gen.Select(OddJson.Member("id"), OddJson.Member("name"), OddJson.Member("title")).Select((id, name, title) => "{" + id + name + title + "\"is_active\":true}").Sample(
            row =>
            {
                var sent = _h.Fake.Requests.Count;
                _h.Fake.FailNext(200, body: Answer("Group", row));
                try
                {
                    // A new resolver per answer: it keeps what it read.
                    new ReferenceResolver(_h.Client).IdAsync(TriggerDefinition.Group("members"), CancellationToken.None).GetAwaiter().GetResult().Should().BePositive();
                }
                catch (CiviCrmApiException ex)
                {
                    ex.Kind.Should().Be(FailureKind.Configuration);
                    ex.Message.Should().Contain("Group.get").And.Contain("id");
                }

                // One look-up per call, also when it fails (a look-up that failed fast was once sent a second time).
                _h.Fake.Requests.Count.Should().Be(sent + 1);
            },
            iter: 150,
            threads: 1);
    }

    [Fact]
    public void Any_text_in_a_row_reads_as_text_or_no_value_never_an_exception()
    {
        // The row readers shared by the CiviCRM, Standalone and CLI packages; "\ud800" (a lone surrogate) is not UTF-16.
        OddJson.Any.Sample(
            value =>
            {
                _h.Fake.FailNext(200, body: Answer("Contact", "{\"id\":1,\"v\":" + value + "}"));
                var row = _h.Client.CallAsync("Contact", "get").GetAwaiter().GetResult().Values.Single();

                var text = row.GetString("v");
                var number = row.GetInt64("v");
                var flag = row.GetFlag("v");

                if (value == "\"\\ud800\"")
                {
                    (text, number, flag).Should().Be(((string?)null, (long?)null, false));
                }

                else if (value.StartsWith('"'))
                {
                    text.Should().Be(System.Text.Json.JsonSerializer.Deserialize<string>(value));
                }
                else if (value.StartsWith('[') || value.StartsWith('{') || value == "null")
                {
                    (text, number, flag).Should().Be(((string?)null, (long?)null, false));
                }
            },
            iter: 200,
            threads: 1);
    }
}
