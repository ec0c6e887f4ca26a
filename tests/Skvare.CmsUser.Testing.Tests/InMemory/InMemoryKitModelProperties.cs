using CsCheck;
using Skvare.CmsUser.Testing.InMemory;

namespace Skvare.CmsUser.Testing.Tests.InMemory;

/// <summary>
/// The compact, indexed in-memory kit answers every question exactly as a naive model does (lists scanned
/// with LINQ, the way the kit stored records before it was made compact), over generated sequences of
/// operations: contacts, group changes, links written and repaired, activities opened, completed, discarded.
/// </summary>
public sealed class InMemoryKitModelProperties
{
    private static readonly string?[] Names = [null, "", "Ana", "João", "Лев", "Lone\uDC00", new('n', 4_200)];
    private static readonly string?[] Emails = [null, "ana@example.org", "ANA@example.org", "joao@example.org", "lev@example.org", "x\uD800@example.org"];
    private static readonly string[] Subjects = ["Created : ana (1)", "", "Failed to create User ana", "Créé : joão (2)", "Создан : лев (3)", "🙂 (4)", new('s', 4_200), "Linked : x (5) \uD800"];
    private static readonly string[] Groups = ["g0", "G1"];
    private static readonly DateTimeOffset Base = new(2026, 1, 10, 12, 0, 0, TimeSpan.Zero);

    private static readonly Gen<Op[]> Operations =
        Gen.Select(Gen.Int[0, 10], Gen.Int[0, 8], Gen.Int[0, 5], Gen.Int[0, 7], Gen.Bool, (kind, a, b, c, d) => new Op(kind, a, b, c, d)).Array[0, 40];

    [Fact]
    public async Task The_compact_CiviCRM_answers_like_the_naive_model()
    {
        await Operations.SampleAsync(async ops =>
        {
            var civi = new FakeCiviCrm();
            var model = new NaiveCiviCrm();
            var source = civi.Create(new TriggerSourceContext { Trigger = TriggerDefinition.Group("g0"), History = TriggerDefinition.Group("G1") });
            foreach (var op in ops)
            {
                await ApplyAsync(op, civi, source, model);
            }

            long[] ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 1];
            civi.Activities.Should().Equal(model.Activities);
            civi.Links.Should().Equal(model.Links);
            (await civi.FindByContactsAsync(ids)).Should().Equal(ids.Distinct().SelectMany(model.LinksOf));
            foreach (var kind in new[] { ActivityKind.AccountCreation, ActivityKind.PasswordReset })
            {
                (await civi.FindAuditsAsync(ids, kind)).Should().Equal(model.Audits(ids, kind));
                var requests = ids.Distinct().Select(id => new AttemptCountRequest(id, Base.AddMinutes(id % 3 - 1))).ToArray();
                (await civi.CountFailedAttemptsAsync(requests, kind)).Should().Equal(requests.ToDictionary(r => r.ContactId, r => model.Failures(r, kind)));
            }

            foreach (var group in Groups)
            {
                ids.Select(id => civi.GroupStatus(group, id)).Should().Equal(ids.Select(id => model.GroupStatus(group, id)));
            }

            Describe(await civi.GetContactsAsync(ids, [])).Should().Equal(Describe(model.Contacts(ids)));
            var read = new List<Contact>();
            await foreach (var page in source.ReadPendingAsync(2))
            {
                read.AddRange(page);
            }

            Describe(read).Should().Equal(Describe(model.Pending()));

            // The look-up of many contacts at once finds what the single look-up finds, contact by contact.
            var one = new List<Contact>();
            foreach (var id in ids.Distinct())
            {
                if (await source.FindPendingAsync(id) is { } contact)
                {
                    one.Add(contact);
                }
            }

            var calls = civi.Calls.GetValueOrDefault("FindPendingAmong");
            Describe(await source.FindPendingAmongAsync(ids)).Should().Equal(Describe(one));
            civi.Calls["FindPendingAmong"].Should().Be(calls + 1, "the kit answers many contacts in one call");
        }, iter: 300);
    }

    [Fact]
    public async Task The_indexed_CMS_answers_like_the_naive_model()
    {
        var gen = Gen.Select(Gen.Int[0, 6], Gen.Int[0, 5], Gen.Int[0, 5], Gen.Bool, (kind, a, b, d) => (kind, a, b, d)).Array[0, 40];
        string[] names = ["ana", "ANA", "Ana", "joão", "JOÃO", "lev\uD800"];
        string[][] roleSets = [[], ["subscriber"], ["subscriber", "editor"], ["editor", "subscriber"], ["Лев", "subscriber", "subscriber"], ["x"]];
        await gen.SampleAsync(async ops =>
        {
            var cms = new FakeCmsAccountProvider();
            var model = new List<ModelAccount>();
            var held = new Dictionary<long, FakeProviderAccount>();
            foreach (var (kind, a, b, d) in ops)
            {
                var username = names[a];
                var email = names[b] + "@example.org";
                var target = model.Count > 0 ? model[(a + b) % model.Count] : null;
                switch (kind)
                {
                    case 0:
                        var added = cms.AddAccount(username, email, roleSets[(a + b) % roleSets.Length]);
                        held[added.Id] = added;
                        model.Add(new ModelAccount(added.Id, username, email, true, [.. roleSets[(a + b) % roleSets.Length]]));
                        break;
                    case 1:
                        var taken = model.Any(m => string.Equals(m.Username, username, StringComparison.OrdinalIgnoreCase))
                            ? CmsErrorReason.DuplicateUsername
                            : model.Any(m => string.Equals(m.Email, email, StringComparison.OrdinalIgnoreCase)) ? CmsErrorReason.DuplicateEmail : (CmsErrorReason?)null;
                        var roles = roleSets[a];
                        cms.AfterCreate = d ? account => account.Roles.Add("hooked") : null;
                        var create = () => cms.CreateAsync(new NewCmsAccount { Username = username, Email = email, Roles = roles, Active = b % 3 != 0, Notify = b % 2 == 0 });
                        if (taken is { } reason)
                        {
                            (await create.Should().ThrowAsync<CmsProviderException>()).Which.Reason.Should().Be(reason);
                        }
                        else
                        {
                            var created = await create();
                            model.Add(new ModelAccount(created.UserId, username, email, b % 3 != 0, [.. roles, .. d ? ["hooked"] : Array.Empty<string>()]) { Mailed = b % 2 == 0 });
                            created.Roles.Should().Equal(model[^1].Roles, "the create answers with what the CMS stored, hook included");
                        }

                        break;
                    case 2 when target is not null:
                        var account = (await cms.GetByIdAsync(target.Id))!;
                        await (d ? cms.BlockAsync(account) : cms.UnblockAsync(account));
                        target.Active = !d;
                        break;
                    case 3 when target is not null:
                        var change = roleSets[b];
                        var subject = new CmsAccount(target.Id, null, null);
                        if (d)
                        {
                            await cms.AddRolesAsync(subject, change);
                            target.Roles.AddRange(change.Distinct().Where(r => !target.Roles.Contains(r)).ToArray());
                        }
                        else
                        {
                            await cms.RemoveRolesAsync(subject, change);
                            target.Roles.RemoveAll(change.Contains);
                        }

                        break;
                    case 4 when target is not null:
                        // A test changes an account it holds (from AddAccount or Accounts): the CMS sees the change.
                        var mine = held.TryGetValue(target.Id, out var h) ? h : cms.Accounts.Single(x => x.Id == target.Id);
                        mine.Active = d;
                        mine.Roles.Add("held");
                        target.Active = d;
                        target.Roles.Add("held");
                        break;
                    case 5 when target is not null:
                        await cms.SendPasswordResetAsync(new CmsAccount(target.Id, null, null));
                        target.Resets++;
                        break;
                    default:
                        break;
                }

                foreach (var name in names)
                {
                    Expect(await cms.FindByUsernameAsync(name), model.FirstOrDefault(m => string.Equals(m.Username, name, StringComparison.OrdinalIgnoreCase)));
                    Expect(await cms.FindByEmailAsync(name + "@EXAMPLE.org"), model.FirstOrDefault(m => string.Equals(m.Email, name + "@EXAMPLE.org", StringComparison.OrdinalIgnoreCase)));
                }

                foreach (var id in new long[] { 1, 99, 100, 101, 105, 140 })
                {
                    Expect(await cms.GetByIdAsync(id), model.FirstOrDefault(m => m.Id == id));
                }

                foreach (var (id, account) in held)
                {
                    var expected = model.Single(m => m.Id == id);
                    (account.Active, string.Join("|", account.Roles)).Should().Be((expected.Active, string.Join("|", expected.Roles)), "an account handed out stays the account");
                }
            }

            cms.Accounts.Select(x => (x.Id, x.Username, x.Email, x.Active, string.Join("|", x.Roles))).Should().Equal(model.Select(m => (m.Id, m.Username, m.Email, m.Active, string.Join("|", m.Roles))));
            cms.Mails.Order().Should().Equal(model.SelectMany(m => Enumerable.Repeat("reset:" + m.Email, m.Resets).Concat(m.Mailed ? ["notify:" + m.Email] : [])).Order());
        }, iter: 200);

        static void Expect(CmsAccount? found, ModelAccount? expected)
        {
            if (expected is null)
            {
                found.Should().BeNull();
            }
            else
            {
                found.Should().NotBeNull();
                (found!.UserId, found.Username, found.Email, found.IsActive, string.Join("|", found.Roles))
                    .Should().Be((expected.Id, expected.Username, expected.Email, expected.Active, string.Join("|", expected.Roles)));
            }
        }
    }

    private static async Task ApplyAsync(Op op, FakeCiviCrm civi, ITriggerSource source, NaiveCiviCrm model)
    {
        var (kind, a, b, c, d) = op;
        var when = Base.AddMinutes(b - 2).ToOffset(d ? new TimeSpan(5, 30, 0) : TimeSpan.Zero);
        switch (kind)
        {
            case 0:
            case 1:
                var (first, last, email) = (Names[c % Names.Length], Names[(c + kind) % Names.Length], Emails[b]);
                // Sometimes the configure step gives the contact another id (an existing one, or one past the end).
                var contact = civi.AddContact(first, last, email, d ? x => x with { EmailOnHold = true } : c == 7 ? x => x with { Id = a + 1 } : null);
                model.AddContact(contact);
                break;
            case 2:
                civi.AddToGroup(Groups[b % 2], a);
                model.SetGroup(Groups[b % 2], a, "Added");
                break;
            case 3:
                civi.RemoveFromGroup(Groups[b % 2], a);
                model.SetGroup(Groups[b % 2], a, "Removed");
                break;
            case 4:
                var link = new AccountLink(a, b + 1, Emails[c % Emails.Length], d);
                civi.AddLink(link);
                model.Links.Add(link);
                break;
            case 5:
                var request = new AccountLinkRequest(a, b + 1, Emails[c % Emails.Length] ?? "none@example.org", d);
                var result = (await civi.EnsureLinksAsync([request])).Single();
                (result.Kind, result.PreviousContactId, result.Error).Should().Be(model.Ensure(request));
                break;
            case 6:
                var past = new ActivityEntry(a, (ActivityKind)(b % 2), (ActivityOutcomeStatus)(c % 3), Subjects[c], b == 0 ? null : "details " + (b % 2), when);
                civi.AddActivity(past);
                model.Add(past);
                break;
            case 7:
                var open = new ActivityEntry(a, (ActivityKind)(b % 2), ActivityOutcomeStatus.Scheduled, Subjects[c], "In progress.", when);
                (await civi.OpenAsync([open, open with { ContactId = a + 1 }]))!.Should().Equal(model.Add(open), model.Add(open with { ContactId = a + 1 }));
                break;
            case 8:
                var done = new ActivityEntry(a, (ActivityKind)(b % 2), d ? ActivityOutcomeStatus.Completed : ActivityOutcomeStatus.Failed, Subjects[(c + b) % Subjects.Length], null, when) { Id = c };
                await civi.RecordAsync([done]);
                model.Record(done);
                break;
            case 9:
                await civi.DiscardAsync([c, a, c]);
                model.Discard([c, a]);
                break;
            default:
                var ack = new TriggerAcknowledgement(a, d ? TriggerDisposition.Completed : TriggerDisposition.GaveUp);
                await source.AcknowledgeAsync([ack]);
                model.SetGroup("g0", a, "Removed");
                if (d)
                {
                    model.SetGroup("G1", a, "Added");
                }

                break;
        }
    }

    private static string[] Describe(IEnumerable<Contact> contacts) =>
        contacts.Select(c => $"{c.Id}|{c.FirstName}|{c.LastName}|{c.DisplayName}|{c.Email}|{c.EmailOnHold}|{string.Join(",", c.Links)}").ToArray();

    private sealed record Op(int Kind, int A, int B, int C, bool D);

    /// <summary>An account as the naive CMS model keeps it.</summary>
    private sealed record ModelAccount(long Id, string Username, string Email, bool Active, List<string> Roles)
    {
        public bool Active { get; set; } = Active;

        public bool Mailed { get; init; }

        public int Resets { get; set; }
    }

    /// <summary>Lists and scans: the simplest store that answers as CiviCRM does.</summary>
    private sealed class NaiveCiviCrm
    {
        private readonly List<Contact> _contacts = [];
        private readonly Dictionary<(string, long), string> _groups = [];
        private long _lastActivityId;

        public List<AccountLink> Links { get; } = [];

        public List<ActivityEntry> Activities { get; } = [];

        public void AddContact(Contact contact)
        {
            // The newest contact of an id is the contact.
            _contacts.RemoveAll(c => c.Id == contact.Id);
            _contacts.Add(contact);
        }

        public void SetGroup(string group, long id, string status) => _groups[(group.ToUpperInvariant(), id)] = status;

        public string? GroupStatus(string group, long id) => _groups.GetValueOrDefault((group.ToUpperInvariant(), id));

        public IEnumerable<AccountLink> LinksOf(long contactId) => Links.Where(l => l.ContactId == contactId);

        public IEnumerable<Contact> Contacts(IEnumerable<long> ids) =>
            ids.SelectMany(id => _contacts.Where(c => c.Id == id)).Select(c => c with { Links = LinksOf(c.Id).ToArray() });

        public IEnumerable<Contact> Pending() => Contacts(_contacts.Select(c => c.Id).Order().Where(id => GroupStatus("g0", id) == "Added"));

        public (AccountLinkResultKind, long?, string?) Ensure(AccountLinkRequest request)
        {
            var byUser = Links.FindIndex(l => l.IsCurrentDomain && l.CmsUserId == request.CmsUserId);
            if (byUser >= 0 && Links[byUser].ContactId == request.ContactId)
            {
                return (AccountLinkResultKind.AlreadyExisted, null, null);
            }

            if (Links.Any(l => l.ContactId == request.ContactId && l.IsCurrentDomain && l.CmsUserId != request.CmsUserId))
            {
                return (AccountLinkResultKind.Failed, null, "DB Error: already exists");
            }

            if (byUser >= 0)
            {
                var previous = Links[byUser].ContactId;
                if (!request.AccountCreatedNow)
                {
                    return (AccountLinkResultKind.HeldByOtherContact, previous, null);
                }

                Links[byUser] = new AccountLink(request.ContactId, request.CmsUserId, request.UfName);
                return (AccountLinkResultKind.Repaired, previous, null);
            }

            Links.Add(new AccountLink(request.ContactId, request.CmsUserId, request.UfName));
            return (AccountLinkResultKind.Created, null, null);
        }

        public long Add(ActivityEntry entry)
        {
            Activities.Add(entry with { Id = ++_lastActivityId });
            return _lastActivityId;
        }

        public void Record(ActivityEntry entry)
        {
            var at = Activities.FindIndex(a => a.Id == entry.Id);
            if (at >= 0)
            {
                Activities[at] = entry;
            }
            else
            {
                Add(entry);
            }
        }

        public void Discard(long[] ids) => Activities.RemoveAll(a => ids.Contains(a.Id!.Value) && a.Status == ActivityOutcomeStatus.Scheduled);

        public IEnumerable<AuditRecord> Audits(IEnumerable<long> contactIds, ActivityKind kind) => contactIds
            .SelectMany(id => Activities.Where(a => a.ContactId == id))
            .Where(a => a.Kind == kind && a.Status is ActivityOutcomeStatus.Completed or ActivityOutcomeStatus.Scheduled)
            .Select(a => new AuditRecord(a.Id!.Value, a.ContactId, a.Status, a.Subject) { OccurredAt = a.OccurredAt });

        public int Failures(AttemptCountRequest request, ActivityKind kind) =>
            Activities.Count(a => a.ContactId == request.ContactId && a.Kind == kind && a.Status == ActivityOutcomeStatus.Failed && a.OccurredAt >= request.Since);
    }
}
