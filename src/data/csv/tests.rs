//! Tests of the CSV reader.

use super::*;

fn classify() -> CsvOptions {
    CsvOptions {
        classification: true,
        ..CsvOptions::default()
    }
}

#[test]
fn quotes_bom_crlf_and_semicolons() {
    let text = "\u{feff}\"a;1\";b;label\r\n\"1,5\";2;x\r\n3;4;\"y \"\"q\"\"\"\r\n";
    // "1,5" is not a number, so column `a;1` is text and one-hot.
    let d = parse(text, "t.csv", &classify()).unwrap();
    assert_eq!(d.feature_names, vec!["a;1=1,5", "a;1=3", "b"]);
    assert_eq!(d.x.row(1).to_vec(), vec![0.0, 1.0, 4.0]);
    assert_eq!(
        d.target,
        Target::Classes {
            labels: vec![0, 1],
            names: vec!["x".into(), "y \"q\"".into()]
        }
    );
}

#[test]
fn tabs_target_by_name_and_regression() {
    let d = parse(
        "y\tx1\tx2\n1.5\t1\t2\n-2\t3\t4\n",
        "t.tsv",
        &CsvOptions {
            target: Some("y".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.feature_names, vec!["x1", "x2"]);
    assert_eq!(
        d.target,
        Target::Values {
            y: ndarray::array![[1.5], [-2.0]],
            names: vec!["y".into()]
        }
    );
}

#[test]
fn errors_name_line_and_column() {
    let e = parse("age,y\n30,1\nn/a,2\n", "p.csv", &Default::default()).unwrap();
    // `age` becomes text (one-hot) since `n/a` is not a number; a
    // regression target that is not a number is an error:
    assert_eq!(e.feature_names.len(), 2);
    let e = parse("age,y\n30,1\n31,n/a\n", "p.csv", &Default::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "p.csv: line 3, column `y`: `n/a` is not a number (the target of a regression must be)"
    );
    let e = parse("a,b\n1,2\n3\n", "p.csv", &Default::default()).unwrap_err();
    assert!(e.to_string().starts_with("p.csv: line 3"), "{e}");
    let e = parse("a,b\n1,\n", "p.csv", &Default::default()).unwrap_err();
    assert!(
        e.to_string().contains("column `b`: the cell is empty"),
        "{e}"
    );
    let d = parse(
        "a,b\n1,\n2,3\n",
        "p.csv",
        &CsvOptions {
            drop_empty: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(d.len(), 1);
    assert!(
        parse("", "p.csv", &Default::default())
            .unwrap_err()
            .to_string()
            .contains("empty")
    );
    assert!(
        parse("a,b\n", "p.csv", &Default::default())
            .unwrap_err()
            .to_string()
            .contains("no data rows")
    );
    assert!(
        parse("a,b\n1,x\n2,x\n", "p.csv", &classify())
            .unwrap_err()
            .to_string()
            .contains("only one class")
    );
    assert!(
        parse(
            "a,b\n1,2\n",
            "p.csv",
            &CsvOptions {
                target: Some("z".into()),
                ..Default::default()
            }
        )
        .unwrap_err()
        .to_string()
        .contains("no column `z`")
    );
}

#[test]
fn numeric_classes_sort_by_value() {
    let d = parse("x,d\n1,10\n2,9\n3,10\n", "d.csv", &classify()).unwrap();
    assert_eq!(
        d.target,
        Target::Classes {
            labels: vec![1, 0, 1],
            names: vec!["9".into(), "10".into()]
        }
    );
}

#[test]
fn the_layout_says_how_each_column_was_read() {
    use crate::data::csv_layout::Encoding;
    // `age` is numbers until `n/a`: earlier rows are keyed by their f32
    // value (1.50 → "1.5"), later ones by their text ("1.50").
    let text = "size;age;class;w\n1;1.50;b;1\n2;n/a;a;2\n2;1.50;b;3\n-0;0;a;4\n5;6;a;\n0;7;b;5\n";
    let opts = CsvOptions {
        target: Some("size".into()),
        classification: true,
        drop_empty: true,
        drop_bad: false,
    };
    let (d, l) = parse_with_layout(text, "t.csv", &opts).unwrap();
    assert_eq!((l.delimiter, l.target, l.rows, l.dropped), (';', 0, 5, 1));
    assert_eq!(l.header, vec!["size", "age", "class", "w"]);
    assert_eq!(l.feature_columns().collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(
        l.columns[1],
        Encoding::Categories {
            names: vec![
                "0".into(),
                "1.5".into(),
                "1.50".into(),
                "7".into(),
                "n/a".into()
            ],
            text_from_row: 1,
            numbers: vec![(1.5f32.to_bits(), 1)],
        }
    );
    assert_eq!(d.feature_names[..3], ["age=0", "age=1.5", "age=1.50"]);
    assert_eq!(l.columns[3], Encoding::Number);
    // Numeric classes: -0 and 0 are one class; 1 and 2 the others.
    match &l.columns[0] {
        Encoding::Categories {
            names,
            text_from_row,
            numbers,
        } => {
            assert_eq!(names, &vec!["-0".to_string(), "1".into(), "2".into()]);
            assert_eq!(*text_from_row, 5);
            assert!(numbers.contains(&(2f32.to_bits(), 2)));
            assert!(numbers.contains(&((-0f32).to_bits(), 0)));
            assert!(numbers.contains(&(0f32.to_bits(), 0)));
        }
        e => panic!("{e:?}"),
    }
}
