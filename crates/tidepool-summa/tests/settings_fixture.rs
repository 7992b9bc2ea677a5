//! The fixture's fileManager, mizuRoute control and param.nml: unchanged on a round
//! trip, and `set` changes only the lines of the keys set, only between the value's
//! delimiters.

mod util;

use tidepool_summa::settings::{ControlFile, KeyFile, Namelist};

fn read(path: std::path::PathBuf) -> String {
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn file_manager_round_trips_byte_for_byte() {
    let text = read(util::summa_settings().join("fileManager.txt"));
    let file = KeyFile::parse(&text);
    assert_eq!(file.render(), text);
    assert_eq!(file.get("outFilePrefix"), Some("run1"));
    assert_eq!(file.get("simStartTime"), Some("2008-07-15 00:00"));
    assert_eq!(
        file.get("statePath"),
        Some("/CHANGE_ME/bow/model/settings/SUMMA/states/")
    );
    // Every line that is not a comment is a key: 21 of them in the fixture.
    assert_eq!(file.keys().count(), 21);
}

#[test]
fn file_manager_set_touches_only_the_keys_set() {
    let text = read(util::summa_settings().join("fileManager.txt"));
    let mut file = KeyFile::parse(&text);
    file.set("outFilePrefix", "proc_07").unwrap();
    file.set("simEndTime", "2008-07-16 23:00").unwrap();
    let rendered = file.render();
    let changed = util::changed_lines(&text, &rendered);
    assert_eq!(
        changed,
        vec![
            (
                3,
                "simEndTime           '2008-07-31 23:00' ! ",
                "simEndTime           '2008-07-16 23:00' ! "
            ),
            (
                5,
                "outFilePrefix        'run1' ! ",
                "outFilePrefix        'proc_07' ! "
            ),
        ]
    );
    assert!(file.set("noSuchKey", "x").is_err());
}

#[test]
fn control_round_trips_and_set_touches_only_the_keys_set() {
    let text = read(util::mizu_settings().join("mizuroute.control"));
    let mut file = ControlFile::parse(&text);
    assert_eq!(file.render(), text);
    assert_eq!(file.get("case_name"), Some("run1"));
    assert_eq!(file.get("restart_date"), Some("yyyy-mm-dd hh:mm:ss"));
    assert_eq!(file.get("fname_state_in"), None, "a commented-out key");
    file.set("case_name", "proc_07").unwrap();
    file.set("input_dir", "/scratch/slot7/output/SUMMA/")
        .unwrap();
    let rendered = file.render();
    let changed = util::changed_lines(&text, &rendered);
    assert_eq!(changed.len(), 2, "{changed:#?}");
    for (_, before, after) in &changed {
        // Only the value differs: the key in front and the comment behind stay.
        let key_of = |l: &str| l.split('>').next().unwrap().to_string();
        let comment_of = |l: &str| l[l.find('!').unwrap()..].to_string();
        assert_eq!(key_of(before), key_of(after));
        assert_eq!(comment_of(before), comment_of(after));
    }
    assert!(rendered
        .contains("<case_name>             proc_07                       ! name of simulation"));
}

#[test]
fn param_nml_round_trips_and_set_touches_one_value() {
    let text = read(util::mizu_settings().join("param.nml.default"));
    let mut list = Namelist::parse(&text);
    assert_eq!(list.render(), text);
    assert_eq!(list.get("velo"), Some(1.0));
    assert_eq!(list.get("diff"), Some(1000.0));
    assert_eq!(list.get("mann_n"), Some(0.025));
    list.set("velo", 2.75).unwrap();
    let rendered = list.render();
    let changed = util::changed_lines(&text, &rendered);
    assert_eq!(changed, vec![(6, "  velo   = 1", "  velo   = 2.75")]);
}
