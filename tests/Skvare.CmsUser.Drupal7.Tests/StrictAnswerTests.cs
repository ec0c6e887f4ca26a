using Skvare.CmsUser.Testing;

namespace Skvare.CmsUser.Drupal7.Tests;

/// <summary>
/// The answers Drupal 7 reads itself are used only in the shapes Services 7.x-3.x sends: a user's <c>roles</c> is the
/// <c>rid => name</c> map (<c>[]</c> when PHP's array is empty), a mail action answers <c>[true]</c>. Another shape fails
/// as <see cref="CmsErrorReason.UnexpectedResponse"/>, logged once (3211), and is never read as "no roles" or "sent".
/// </summary>
public sealed class StrictAnswerTests : IDisposable
{
    private const int UnusableEvent = 3211;

    private readonly Drupal7TestHost _host = new();

    public void Dispose() => _host.Dispose();

    public static TheoryData<string> RolesOfAnotherShape =>
    [
        "\"editor\"",
        "[\"2\",\"4\"]",
        "[{\"rid\":\"4\"}]",
        "4",
        "null",
    ];

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(RolesOfAnotherShape))]
    public async Task A_block_whose_user_answer_has_roles_of_another_shape_fails_and_leaves_the_account_unchanged(string roles)
    {
        var user = UserAnsweredWith(roles, 4);

        var act = () => _host.Provider.BlockAsync(new CmsAccount(user.Id, "rita", "rita@example.org"));

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        _host.ApiRequests.Should().NotContain(r => r.Method == "PUT", "the role set read could not be used, so nothing is sent back");
        var after = _host.Server.FindUser(user.Id)!;
        after.Active.Should().BeTrue();
        after.Roles.Should().Equal("editor");
        _host.Logs.GetSnapshot().Where(r => r.Id.Id == UnusableEvent).Should().ContainSingle();
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(RolesOfAnotherShape))]
    public async Task A_user_read_with_roles_of_another_shape_is_an_unexpected_response_not_a_user_without_roles(string roles)
    {
        var user = UserAnsweredWith(roles, 4);

        var act = () => _host.Provider.GetByIdAsync(user.Id);

        (await act.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        _host.Logs.GetSnapshot().Where(r => r.Id.Id == UnusableEvent).Should().ContainSingle();
    }

    [Fact(Timeout = 60_000)]
    public async Task An_empty_PHP_array_of_roles_reads_as_no_roles()
    {
        // json_encode(array()) is [], whatever the array was meant to be.
        var user = UserAnsweredWith("[]");

        var found = await _host.Provider.GetByIdAsync(user.Id);
        await _host.Provider.BlockAsync(new CmsAccount(user.Id, "rita", "rita@example.org"));

        found!.Roles.Should().BeEmpty();
        _host.Server.FindUser(user.Id)!.Active.Should().BeFalse();
        _host.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == UnusableEvent);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_real_role_map_is_read_and_kept_on_a_block()
    {
        var user = _host.Server.AddUser("rita", "rita@example.org", roles: 4);

        var found = (await _host.Provider.GetByIdAsync(user.Id))!;
        await _host.Provider.BlockAsync(found);

        found.Roles.Should().Equal("editor");
        var after = _host.Server.FindUser(user.Id)!;
        after.Active.Should().BeFalse();
        after.Roles.Should().Equal("editor");
    }

    public static TheoryData<string, bool> MailAnswersOfAnotherShape => new()
    {
        { "null", true },
        { "[]", true },
        { "{}", false },
        { "{\"sent\":true}", true },
        { "\"true\"", false },
        { "[1]", true },
        { "1", false },
        { "[true,true]", true },
        { "[[true]]", false },
    };

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(MailAnswersOfAnotherShape))]
    public async Task A_mail_action_answered_with_neither_true_nor_false_is_an_unexpected_response_not_a_sent_email(string body, bool reset)
    {
        var user = _host.Server.AddUser("rita", "rita@example.org");
        var action = reset ? "password_reset" : "resend_welcome_email";
        _host.Server.FaultWhere = r => r.Path.EndsWith($"/{action}.json", StringComparison.Ordinal) ? FakeFault.Status(200, body, "application/json") : null;

        var ex = (await MailAction(user.Id, reset).Should().ThrowAsync<CmsProviderException>()).Which;

        ex.Reason.Should().Be(CmsErrorReason.UnexpectedResponse);
        var logged = _host.Logs.GetSnapshot().Where(r => r.Id.Id == UnusableEvent).Should().ContainSingle().Subject;
        logged.Message.Should().Contain(action);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("[true]", true)]
    [InlineData("[true]", false)]
    [InlineData("true", true)]
    [InlineData("true", false)]
    public async Task A_mail_action_answered_true_as_Services_writes_it_is_sent(string body, bool reset)
    {
        var user = _host.Server.AddUser("rita", "rita@example.org");
        var action = reset ? "password_reset" : "resend_welcome_email";
        _host.Server.FaultWhere = r => r.Path.EndsWith($"/{action}.json", StringComparison.Ordinal) ? FakeFault.Status(200, body, "application/json") : null;

        await MailAction(user.Id, reset)();

        _host.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == UnusableEvent);
    }

    [Fact(Timeout = 60_000)]
    public async Task The_fake_answers_a_mail_action_as_Services_JSON_formatter_writes_TRUE()
    {
        var user = _host.Server.AddUser("rita", "rita@example.org");

        await MailAction(user.Id, reset: true)();
        await MailAction(user.Id, reset: false)();

        _host.Server.Mails.Should().HaveCount(2);
        _host.Logs.GetSnapshot().Should().NotContain(r => r.Id.Id == UnusableEvent);
    }

    private Func<Task> MailAction(long uid, bool reset)
    {
        var account = new CmsAccount(uid, "rita", "rita@example.org");
        return reset
            ? () => _host.Provider.SendPasswordResetAsync(account)
            : () => ((Drupal7AccountProvider)_host.Provider).SendNewAccountNotificationAsync(account);
    }

    /// <summary>A user the site holds with <paramref name="held"/>, whose <c>user/{uid}</c> reads answer its record with <paramref name="roles"/> (JSON) as its roles.</summary>
    private FakeCmsUser UserAnsweredWith(string roles, params int[] held)
    {
        var user = _host.Server.AddUser("rita", "rita@example.org", roles: held);
        var body = $"{{\"uid\":\"{user.Id}\",\"name\":\"rita\",\"mail\":\"rita@example.org\",\"status\":\"1\",\"created\":\"1700000000\",\"roles\":{roles}}}";
        _host.Server.FaultWhere = r => r.Method == "GET" && r.Path.EndsWith($"/user/{user.Id}.json", StringComparison.Ordinal) ? FakeFault.Status(200, body, "application/json") : null;
        return user;
    }
}
