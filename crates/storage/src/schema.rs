// @generated-by-hand in the shape of `diesel print-schema`; the `schema_matches_database`
// test compares it with the migrated SQLite and PostgreSQL databases and fails on drift.

diesel::table! {
    agenda_items (id) {
        id -> Text,
        meeting_id -> Text,
        position -> Integer,
        title -> Text,
        description -> Nullable<Text>,
        presenter_organisation_id -> Nullable<Text>,
        duration_minutes -> Integer,
        status -> Text,
        proposed_by_organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    api_key_usage (api_key_id, day) {
        api_key_id -> Text,
        day -> Date,
        requests -> BigInt,
        rejected -> BigInt,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        name -> Text,
        prefix -> Text,
        key_hash -> Text,
        allowed_origins -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        rate_limit_per_minute -> Nullable<Integer>,
        trusted_only -> Bool,
        max_cost -> Nullable<Integer>,
    }
}

diesel::table! {
    change_log (id) {
        id -> Text,
        changed_at -> Timestamp,
        actor -> Text,
        entity_kind -> Text,
        entity_id -> Text,
        organisation_id -> Nullable<Text>,
        action -> Text,
        summary -> Text,
    }
}

diesel::table! {
    contacts (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        role -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        visibility -> Text,
        content_language -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    attendance (meeting_id, representative_id) {
        meeting_id -> Text,
        representative_id -> Text,
        organisation_id -> Text,
        status -> Text,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    calendar_sources (id) {
        id -> Text,
        organisation_id -> Text,
        url -> Text,
        interval_minutes -> Integer,
        etag -> Nullable<Text>,
        last_modified_header -> Nullable<Text>,
        next_fetch_at -> Timestamp,
        last_fetched_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        last_error_at -> Nullable<Timestamp>,
        consecutive_failures -> Integer,
        event_count -> Integer,
        rejected_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    event_co_organisers (event_id, organisation_id) {
        event_id -> Text,
        organisation_id -> Text,
        accepted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    event_languages (event_id, language) {
        event_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    event_occurrences (event_id, recurrence_id) {
        event_id -> Text,
        recurrence_id -> Timestamp,
        start_utc -> Timestamp,
        end_utc -> Timestamp,
        local_start -> Timestamp,
        local_end -> Timestamp,
        status -> Text,
        overridden -> Bool,
        span_class -> Integer,
    }
}

diesel::table! {
    occurrence_horizon (id) {
        id -> Integer,
        from_utc -> Timestamp,
        until_utc -> Timestamp,
        built_at -> Timestamp,
    }
}

diesel::table! {
    search_words (word) {
        word -> Text,
    }
}

diesel::table! {
    search_parts (part, word) {
        part -> Text,
        word -> Text,
    }
}

diesel::table! {
    search_variants (variant, word) {
        variant -> Text,
        word -> Text,
    }
}

diesel::table! {
    search_postings (word, service_id, lang) {
        word -> Text,
        service_id -> Text,
        lang -> Text,
        weight -> Integer,
        name -> Text,
    }
}

diesel::table! {
    search_index_state (id) {
        id -> Integer,
        version -> Integer,
        changes -> BigInt,
        built_at -> Timestamp,
    }
}

diesel::table! {
    occurrence_hours (hour_utc) {
        hour_utc -> Timestamp,
        live -> BigInt,
    }
}

diesel::table! {
    event_overrides (event_id, recurrence_id) {
        event_id -> Text,
        recurrence_id -> Timestamp,
        status -> Nullable<Text>,
        start_local -> Nullable<Timestamp>,
        end_local -> Nullable<Timestamp>,
        title -> Nullable<Text>,
        description -> Nullable<Text>,
    }
}

diesel::table! {
    event_target_groups (event_id, target_group) {
        event_id -> Text,
        target_group -> Text,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        organisation_id -> Text,
        title -> Text,
        description -> Nullable<Text>,
        content_language -> Text,
        category -> Text,
        status -> Text,
        all_day -> Bool,
        start_local -> Timestamp,
        end_local -> Timestamp,
        timezone -> Text,
        rrule -> Nullable<Text>,
        rdates -> Text,
        exdates -> Text,
        location_id -> Nullable<Text>,
        place -> Nullable<Text>,
        online_url -> Nullable<Text>,
        accessibility_note -> Nullable<Text>,
        interpretation_note -> Nullable<Text>,
        registration_url -> Nullable<Text>,
        image_url -> Nullable<Text>,
        origin -> Nullable<Text>,
        uid -> Nullable<Text>,
        sequence -> Integer,
        last_modified -> Nullable<Timestamp>,
        first_start_utc -> Timestamp,
        last_end_utc -> Nullable<Timestamp>,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    funding_deadlines (opportunity_id, deadline) {
        opportunity_id -> Text,
        deadline -> Date,
    }
}

diesel::table! {
    funding_links (id) {
        id -> Text,
        opportunity_id -> Text,
        source_id -> Nullable<Text>,
        guid -> Text,
        url -> Text,
        title -> Text,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    funding_opportunities (id) {
        id -> Text,
        title -> Text,
        summary -> Nullable<Text>,
        url -> Nullable<Text>,
        url_key -> Nullable<Text>,
        funder -> Text,
        funder_key -> Text,
        programme -> Nullable<Text>,
        status -> Text,
        deadline_kind -> Text,
        last_deadline -> Nullable<Date>,
        amount_min -> Nullable<BigInt>,
        amount_max -> Nullable<BigInt>,
        currency -> Nullable<Text>,
        region -> Nullable<Text>,
        applicants -> Text,
        search_text -> Text,
        published_at -> Nullable<Timestamp>,
        changed_at -> Nullable<Timestamp>,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
        posted_by_organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    funding_sources (id) {
        id -> Text,
        url -> Text,
        funder -> Text,
        topics -> Text,
        region -> Nullable<Text>,
        interval_minutes -> Integer,
        etag -> Nullable<Text>,
        last_modified_header -> Nullable<Text>,
        next_fetch_at -> Timestamp,
        last_fetched_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        consecutive_failures -> Integer,
        item_count -> Integer,
        rejected_count -> Integer,
        issues -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    funding_subscriptions (id) {
        id -> Text,
        email -> Text,
        name -> Text,
        language -> Text,
        organisation_id -> Nullable<Text>,
        topics -> Text,
        confirm_hash -> Text,
        unsubscribe_token -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_digest_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    funding_topics (opportunity_id, topic) {
        opportunity_id -> Text,
        topic -> Text,
    }
}

diesel::table! {
    guest_requests (id) {
        id -> Text,
        meeting_id -> Text,
        name -> Text,
        email -> Text,
        affiliation -> Nullable<Text>,
        message -> Nullable<Text>,
        language -> Text,
        consent_at -> Timestamp,
        client_hash -> Text,
        token_hash -> Text,
        status -> Text,
        attendance -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    hsds_records (source_id, kind, remote_id) {
        source_id -> Text,
        kind -> Text,
        remote_id -> Text,
        local_id -> Text,
        synced_at -> Timestamp,
    }
}

diesel::table! {
    hsds_sources (id) {
        id -> Text,
        url -> Text,
        interval_minutes -> Integer,
        next_fetch_at -> Timestamp,
        last_fetched_at -> Nullable<Timestamp>,
        last_success_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        consecutive_failures -> Integer,
        organisation_count -> Integer,
        location_count -> Integer,
        service_count -> Integer,
        rejected_count -> Integer,
        issues -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    locations (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        address -> Nullable<Text>,
        locality -> Nullable<Text>,
        locality_key -> Nullable<Text>,
        postcode -> Nullable<Text>,
        latitude -> Nullable<Double>,
        longitude -> Nullable<Double>,
        wheelchair_accessible -> Nullable<Bool>,
        accessibility_note -> Nullable<Text>,
        transport_hint -> Nullable<Text>,
        timezone -> Text,
        content_language -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    meeting_host_declines (meeting_id, organisation_id) {
        meeting_id -> Text,
        organisation_id -> Text,
        declined_at -> Timestamp,
    }
}

diesel::table! {
    meeting_series (id) {
        id -> Text,
        name -> Text,
        every_months -> Integer,
        weekday -> Integer,
        week -> Integer,
        start_minutes -> Integer,
        duration_minutes -> Integer,
        timezone -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    meetings (id) {
        id -> Text,
        series_id -> Text,
        starts_local -> Timestamp,
        ends_local -> Timestamp,
        timezone -> Text,
        host_organisation_id -> Nullable<Text>,
        location_id -> Nullable<Text>,
        status -> Text,
        sequence -> Integer,
        agenda_final -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        minutes -> Nullable<Text>,
        cancellation_reason -> Nullable<Text>,
    }
}

diesel::table! {
    meeting_invitations (meeting_id, email) {
        meeting_id -> Text,
        email -> Text,
        name -> Text,
        language -> Text,
        representative_id -> Nullable<Text>,
        guest_request_id -> Nullable<Text>,
        sequence -> Integer,
        invited_at -> Timestamp,
    }
}

diesel::table! {
    opening_hours (service_id, position) {
        service_id -> Text,
        position -> Integer,
        weekday -> Integer,
        opens -> Integer,
        closes -> Integer,
    }
}

diesel::table! {
    news (id) {
        id -> Text,
        organisation_id -> Text,
        title -> Text,
        body -> Text,
        content_language -> Text,
        image_url -> Nullable<Text>,
        link_url -> Nullable<Text>,
        publish_on -> Date,
        status -> Text,
        review_note -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    newsletter_issues (id) {
        id -> Text,
        period_from -> Date,
        period_to -> Date,
        editorial -> Nullable<Text>,
        content_language -> Text,
        status -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        send_at -> Nullable<Timestamp>,
        recipients -> Nullable<Integer>,
    }
}

diesel::table! {
    newsletter_editorials (issue_id, language) {
        issue_id -> Text,
        language -> Text,
        text -> Text,
    }
}

diesel::table! {
    newsletter_editions (issue_id, language) {
        issue_id -> Text,
        language -> Text,
        composition -> Text,
        subject -> Text,
        html -> Text,
        text -> Text,
    }
}

diesel::table! {
    newsletter_subscribers (id) {
        id -> Text,
        email -> Text,
        name -> Nullable<Text>,
        language -> Text,
        sections -> Text,
        confirm_hash -> Nullable<Text>,
        unsubscribe_token -> Text,
        consent_source -> Text,
        consent_at -> Nullable<Timestamp>,
        confirmed_at -> Nullable<Timestamp>,
        unsubscribed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    organisation_identifiers (organisation_id, position) {
        organisation_id -> Text,
        position -> Integer,
        scheme -> Text,
        value -> Text,
    }
}

diesel::table! {
    organisations (id) {
        id -> Text,
        slug -> Text,
        name -> Text,
        alternate_name -> Nullable<Text>,
        legal_status -> Text,
        description -> Nullable<Text>,
        content_language -> Text,
        website -> Nullable<Text>,
        email -> Nullable<Text>,
        phone -> Nullable<Text>,
        logo_url -> Nullable<Text>,
        membership_status -> Text,
        member_since -> Nullable<Date>,
        fields_of_action -> Text,
        topics -> Text,
        target_groups -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> Text,
        message_id -> Text,
        purpose -> Text,
        recipient -> Text,
        recipient_name -> Nullable<Text>,
        subject -> Text,
        body_text -> Text,
        body_html -> Nullable<Text>,
        attachment_name -> Nullable<Text>,
        attachment_type -> Nullable<Text>,
        attachment_body -> Nullable<Text>,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        list_unsubscribe -> Nullable<Text>,
        batch -> Nullable<Text>,
    }
}

diesel::table! {
    persisted_documents (sha256) {
        sha256 -> Text,
        name -> Text,
        document -> Text,
        registered_by -> Text,
        registered_at -> Timestamp,
    }
}

diesel::table! {
    rate_limits (bucket) {
        bucket -> Text,
        window_start -> Timestamp,
        hits -> Integer,
    }
}

diesel::table! {
    representatives (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        email -> Text,
        language -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    schedule_exceptions (service_id, date) {
        service_id -> Text,
        date -> Date,
        opens -> Nullable<Integer>,
        closes -> Nullable<Integer>,
        note -> Nullable<Text>,
    }
}

diesel::table! {
    service_languages (service_id, language) {
        service_id -> Text,
        language -> Text,
    }
}

diesel::table! {
    service_locations (service_id, location_id) {
        service_id -> Text,
        location_id -> Text,
        position -> Integer,
    }
}

diesel::table! {
    service_target_groups (service_id, target_group) {
        service_id -> Text,
        target_group -> Text,
    }
}

diesel::table! {
    services (id) {
        id -> Text,
        organisation_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        content_language -> Text,
        category -> Text,
        free -> Bool,
        fee_note -> Nullable<Text>,
        appointment_required -> Bool,
        eligibility -> Nullable<Text>,
        application_process -> Nullable<Text>,
        timezone -> Text,
        search_text -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        facets -> Text,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    translations (entity_id, field, language) {
        entity_id -> Text,
        field -> Text,
        language -> Text,
        organisation_id -> Text,
        text -> Text,
        machine_translated -> Bool,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        organisation_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(agenda_items -> meetings (meeting_id));
diesel::joinable!(api_key_usage -> api_keys (api_key_id));
diesel::joinable!(hsds_records -> hsds_sources (source_id));
diesel::joinable!(attendance -> meetings (meeting_id));
diesel::joinable!(attendance -> organisations (organisation_id));
diesel::joinable!(attendance -> representatives (representative_id));
diesel::joinable!(calendar_sources -> organisations (organisation_id));
diesel::joinable!(contacts -> organisations (organisation_id));
diesel::joinable!(event_co_organisers -> events (event_id));
diesel::joinable!(event_co_organisers -> organisations (organisation_id));
diesel::joinable!(event_languages -> events (event_id));
diesel::joinable!(event_occurrences -> events (event_id));
diesel::joinable!(search_postings -> services (service_id));
diesel::joinable!(event_overrides -> events (event_id));
diesel::joinable!(event_target_groups -> events (event_id));
diesel::joinable!(events -> locations (location_id));
diesel::joinable!(events -> organisations (organisation_id));
diesel::joinable!(locations -> organisations (organisation_id));
diesel::joinable!(meeting_host_declines -> meetings (meeting_id));
diesel::joinable!(meeting_host_declines -> organisations (organisation_id));
diesel::joinable!(meetings -> locations (location_id));
diesel::joinable!(meetings -> meeting_series (series_id));
diesel::joinable!(meetings -> organisations (host_organisation_id));
diesel::joinable!(news -> organisations (organisation_id));
diesel::joinable!(opening_hours -> services (service_id));
diesel::joinable!(organisation_identifiers -> organisations (organisation_id));
diesel::joinable!(funding_deadlines -> funding_opportunities (opportunity_id));
diesel::joinable!(funding_links -> funding_opportunities (opportunity_id));
diesel::joinable!(funding_links -> funding_sources (source_id));
diesel::joinable!(funding_opportunities -> organisations (posted_by_organisation_id));
diesel::joinable!(funding_subscriptions -> organisations (organisation_id));
diesel::joinable!(funding_topics -> funding_opportunities (opportunity_id));
diesel::joinable!(guest_requests -> meetings (meeting_id));
diesel::joinable!(meeting_invitations -> meetings (meeting_id));
diesel::joinable!(newsletter_editions -> newsletter_issues (issue_id));
diesel::joinable!(newsletter_editorials -> newsletter_issues (issue_id));
diesel::joinable!(representatives -> organisations (organisation_id));
diesel::joinable!(schedule_exceptions -> services (service_id));
diesel::joinable!(service_languages -> services (service_id));
diesel::joinable!(service_locations -> locations (location_id));
diesel::joinable!(service_locations -> services (service_id));
diesel::joinable!(service_target_groups -> services (service_id));
diesel::joinable!(services -> organisations (organisation_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(translations -> organisations (organisation_id));
diesel::joinable!(users -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    agenda_items,
    api_key_usage,
    api_keys,
    attendance,
    calendar_sources,
    change_log,
    contacts,
    event_co_organisers,
    event_languages,
    event_occurrences,
    event_overrides,
    event_target_groups,
    events,
    funding_deadlines,
    funding_links,
    funding_opportunities,
    funding_sources,
    funding_subscriptions,
    funding_topics,
    guest_requests,
    hsds_records,
    hsds_sources,
    locations,
    meeting_host_declines,
    meeting_invitations,
    meeting_series,
    meetings,
    news,
    newsletter_editions,
    newsletter_editorials,
    newsletter_issues,
    newsletter_subscribers,
    occurrence_horizon,
    search_index_state,
    search_parts,
    search_postings,
    search_variants,
    search_words,
    occurrence_hours,
    opening_hours,
    organisation_identifiers,
    organisations,
    outbox_messages,
    persisted_documents,
    rate_limits,
    representatives,
    schedule_exceptions,
    service_languages,
    service_locations,
    service_target_groups,
    services,
    sessions,
    translations,
    users,
);
