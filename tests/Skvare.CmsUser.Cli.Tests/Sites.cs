using System.Text.Json;
using System.Text.Json.Nodes;
using Skvare.CmsUser.Testing.CiviCrm;
using Skvare.CmsUser.Testing.WordPress;

namespace Skvare.CmsUser.Cli.Tests;

/// <summary>A fake CiviCRM and a fake WordPress (Skvare.CmsUser.Testing) on loopback, and settings that point at them.</summary>
public sealed class Sites : IDisposable
{
    public Sites()
    {
        Members = Civi.AddGroup("website_members", "Website members");
        Done = Civi.AddGroup("website_members_done");
        ResetTag = Civi.AddTag("send_password_reset");
        WordPress.OnUserCreated(user => Civi.LinkNewCmsUser(user.Id, user.Email));
    }

    /// <summary>
    /// The <c>check --timeout</c> of tests whose fakes answer: check's 10 s default is for a person at a terminal, and the
    /// fakes' answers took over 10 s at a load average of 110.
    /// </summary>
    public const string CheckTimeout = "60";

    public FakeCiviCrmServer Civi { get; } = new();

    public FakeWordPressServer WordPress { get; } = new();

    public long Members { get; }

    public long Done { get; }

    public long ResetTag { get; }

    /// <summary>A contact with a WordPress account (username <c>first.last</c>, subscriber) linked to it; returns the contact.</summary>
    public long AddLinkedContact(string first, string last, string email)
    {
        var user = WordPress.AddUser($"{first}.{last}".ToLowerInvariant(), email, "subscriber");
        var contact = Civi.AddContact(first, last, email);
        Civi.AddLink(contact, user.Id, email);
        return contact;
    }

    public long AddMember(string? first, string? last, string? email)
    {
        var id = Civi.AddContact(first, last, email);
        Civi.AddToGroup(Members, [id]);
        return id;
    }

    /// <summary>
    /// The settings as JSON, with fast transport settings so retries take milliseconds, and the SDK's 30 s attempt timeout
    /// for ordinary answers (10 s timed out the fake CiviCRM's answers at a load average of 110).
    /// </summary>
    public JsonObject Settings(string? applicationPassword = null)
    {
        var http = new JsonObject { ["MaxRetries"] = 1, ["RetryBaseDelay"] = "00:00:00.010", ["AttemptTimeout"] = "00:00:30" };
        return new JsonObject
        {
            ["CmsUser"] = new JsonObject
            {
                ["Cms"] = "WordPress",
                ["Rules"] = new JsonArray(new JsonObject
                {
                    ["Name"] = "members",
                    ["Trigger"] = new JsonObject { ["Kind"] = "Group", ["Reference"] = "website_members" },
                    ["History"] = new JsonObject { ["Kind"] = "Group", ["Reference"] = "website_members_done" },
                    ["Roles"] = new JsonArray("subscriber"),
                }),
                ["PasswordResets"] = new JsonArray(new JsonObject
                {
                    ["Name"] = "migration",
                    ["Trigger"] = new JsonObject { ["Kind"] = "Tag", ["Reference"] = "send_password_reset" },
                }),
                ["Retry"] = new JsonObject { ["QuarantineAfterConsecutiveTransientFailures"] = 2 },
                ["CiviCrm"] = new JsonObject { ["BaseUrl"] = Civi.Url.ToString(), ["ApiKey"] = Civi.ApiKey, ["Http"] = http.DeepClone() },
                [nameof(WordPress)] = new JsonObject
                {
                    ["BaseUrl"] = WordPress.BaseUrl.ToString(),
                    ["Username"] = WordPress.AdminUsername,
                    ["ApplicationPassword"] = applicationPassword ?? WordPress.ApplicationPassword,
                    ["UseCompanionPlugin"] = true,
                    ["Http"] = http.DeepClone(),
                },
            },
        };
    }

    /// <summary>Adds a rule named <paramref name="name"/> whose trigger is the group <paramref name="group"/> (no history, no roles) after the settings' own.</summary>
    public static void AddRule(JsonObject settings, string name, string group) =>
        settings["CmsUser"]!["Rules"]!.AsArray().Add(new JsonObject
        {
            ["Name"] = name,
            ["Trigger"] = new JsonObject { ["Kind"] = "Group", ["Reference"] = group },
        });

    public static string Json(JsonObject settings) => settings.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The same settings as CmsUser__… environment variables.</summary>
    public static Dictionary<string, string> Environment(JsonObject settings)
    {
        var variables = new Dictionary<string, string>();
        Flatten(settings, "", variables);
        return variables;
    }

    private static void Flatten(JsonNode? node, string prefix, Dictionary<string, string> variables)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o)
                {
                    Flatten(value, prefix.Length == 0 ? key : $"{prefix}__{key}", variables);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Flatten(a[i], $"{prefix}__{i}", variables);
                }

                break;
            case JsonValue v:
                variables[prefix] = v.ToString();
                break;
        }
    }

    public void Dispose()
    {
        WordPress.Dispose();
        Civi.Dispose();
    }
}
