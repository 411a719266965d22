-- getInvitedUser (issue 11) asks "whose inviter_uid[level-1] is this uid", newest first. Without
-- an index that reads every invited user's chain: 25-35 ms at 100,000 users, ten times that at a
-- million. Levels 1 and 2 (direct invitations and theirs) are what uni-id-pages and most
-- clients ask for; deeper levels still scan. The expressions are exactly those of
-- db/models/invites.rs, which SQLite needs to use the index.
CREATE INDEX users_invited_1 ON users (json_extract(inviter_uid, '$[0]'), invite_time)
    WHERE inviter_uid IS NOT NULL;
CREATE INDEX users_invited_2 ON users (json_extract(inviter_uid, '$[1]'), invite_time)
    WHERE inviter_uid IS NOT NULL;
