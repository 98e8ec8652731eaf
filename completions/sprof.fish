# sprof.fish -- fish completion for sprof: subcommands, their options with
# value hints (--format and --color values, files, directories), FILE
# arguments, and after `sprof run [OPTIONS] --` the command to run and its
# arguments.  Installed in $(datadir)/fish/vendor_completions.d.

# Prints the subcommand (the first word after "sprof" that is not an
# option); fails while none has been typed.
function __sprof_subcommand
    for w in (commandline -opc)[2..-1]
        switch $w
            case '-*'
            case '*'
                echo $w
                return 0
        end
    end
    return 1
end

function __sprof_needs_command
    not __sprof_subcommand >/dev/null
end

function __sprof_using
    set -l sub (__sprof_subcommand); and test "$sub" = "$argv[1]"
end

# Prints the index (in `commandline -opc` plus the current token) of the
# profiled command's first word once `sprof run ... --` or run's first
# operand has been typed; fails before that.
function __sprof_run_command_index
    set -l words (commandline -opc) (commandline -ct)
    set -l seen_run 0
    set -l skip 0
    for i in (seq 2 (count $words))
        set -l w $words[$i]
        if test $seen_run = 0
            switch $w
                case run
                    set seen_run 1
                case '-*'
                case '*'
                    return 1
            end
            continue
        end
        if test $skip = 1
            set skip 0
            continue
        end
        # the current token is still being typed: only a finished "--" or
        # operand before it starts the command
        test $i = (count $words); and return 1
        switch $w
            case --
                echo (math $i + 1)
                return 0
            case -o --output -F --frequency -m --mode --max-depth --signal
                set skip 1
            case '-*'
            case '*'
                echo $i
                return 0
        end
    end
    return 1
end

function __sprof_run_command_started
    __sprof_run_command_index >/dev/null
end

# Completes the profiled command and its arguments with fish's own rules.
function __sprof_run_complete_command
    set -l words (commandline -opc) (commandline -ct)
    set -l i (__sprof_run_command_index); or return
    complete -C (string join ' ' -- (string escape -- $words[$i..-1]))
end

complete -c sprof -f

# top level
complete -c sprof -n __sprof_needs_command -a run -d 'Profile a command and write a raw sample file'
complete -c sprof -n __sprof_needs_command -a convert -d 'Turn a raw file into a Sentry profile (or another format)'
complete -c sprof -n __sprof_needs_command -a info -d 'Summarize a raw file'
complete -c sprof -n __sprof_needs_command -a diff -d 'Compare two profiles; exit 3 when something got slower'
complete -c sprof -n __sprof_needs_command -s h -l help -d 'Show help'
complete -c sprof -n __sprof_needs_command -s V -l version -d 'Show the version'

# sprof run
set -l run '__sprof_using run; and not __sprof_run_command_started'
complete -c sprof -n $run -s o -l output -r -F -d 'Raw file to write (default sprof.raw)'
complete -c sprof -n $run -s F -l frequency -x -a '49 99 101 199 499 997 1999 4999 9999' -d 'Samples per second of CPU time per thread (1-10000)'
complete -c sprof -n $run -s m -l mode -x -a 'cpu\t"Threads as they use CPU (default)" wall\t"Every thread, running or blocked"' -d 'What to sample'
complete -c sprof -n $run -l no-follow -d 'Profile the first process only, not its children'
complete -c sprof -n $run -l max-depth -x -a '32 64 128 256 512 1024' -d 'Frames kept per stack (1-1024)'
complete -c sprof -n $run -l signal -x -a 'PROF VTALRM USR1 USR2 ALRM RTMIN RTMIN+1 RTMIN+3 RTMAX' -d 'Signal the sampler uses (default PROF)'
complete -c sprof -n $run -l allow-unprofiled -d 'Run programs the sampler cannot enter, unprofiled'
complete -c sprof -n $run -s q -l quiet -d 'No summary line'
complete -c sprof -n $run -s h -l help -d 'Show help'
complete -c sprof -n $run -s V -l version -d 'Show the version'
complete -c sprof -n $run -a -- -d 'End of sprof options; the command follows'
complete -c sprof -n $run -a '(__fish_complete_command)'
complete -c sprof -n '__sprof_using run; and __sprof_run_command_started' -x -a '(__sprof_run_complete_command)'

# sprof info
complete -c sprof -n '__sprof_using info' -F
complete -c sprof -n '__sprof_using info' -s h -l help -d 'Show help'

# sprof diff
set -l df '__sprof_using diff'
complete -c sprof -n $df -F
complete -c sprof -n $df -l base -r -F -d 'A raw file of the base side (repeatable)'
complete -c sprof -n $df -l new -r -F -d 'A raw file of the new side (repeatable)'
complete -c sprof -n $df -l pid -x -d 'Compare the process with this pid'
complete -c sprof -n $df -l debug-dir -x -a '(__fish_complete_directories)' -d 'Look for debug information in DIR'
complete -c sprof -n $df -l fail-on -x -a "'self>+2pp' 'total>+5pp' 'cpu>+5%' none" -d 'Gate rule: exit 3 when it fires'
complete -c sprof -n $df -l confidence -x -d 'Confidence of the noise tests in percent (default 99)'
complete -c sprof -n $df -s f -l format -x -d 'Output format' -a '
    table\t"Terminal table (default)"
    markdown\t"For a pull-request comment"
    json\t"For tools"
    flamegraph\t"Differential SVG flame graph"'
complete -c sprof -n $df -s o -l output -r -F -d 'Write to FILE instead of stdout'
complete -c sprof -n $df -l top -x -d 'Functions shown in the table'
complete -c sprof -n $df -l color -x -a 'auto always never' -d 'Colour the table'
complete -c sprof -n $df -l merge-threads -d 'Flame graph: one root for all threads'
complete -c sprof -n $df -l inline -x -a 'yes no' -d 'Inlined calls as functions of their own'
complete -c sprof -n $df -l title -x -d 'Flame graph title'
complete -c sprof -n $df -l width -x -d 'Flame graph width in pixels'
complete -c sprof -n $df -s h -l help -d 'Show help'

# sprof convert
set -l cv '__sprof_using convert'
complete -c sprof -n $cv -F
complete -c sprof -n $cv -s o -l output -r -F -d 'Write to FILE instead of stdout'
complete -c sprof -n $cv -s f -l format -x -d 'Output format' -a '
    sentry\t"Sentry profile v1 (default)"
    sentry-chunk\t"Sentry continuous-profiling chunks (v2)"
    envelope\t"Sentry envelope: transaction + v1 profile"
    envelope-chunk\t"Sentry envelope of v2 profile chunks"
    report\t"Plain-text report"
    flamegraph\t"SVG flame graph"
    pprof\t"Gzipped protobuf for go tool pprof"
    speedscope\t"JSON for speedscope"
    collapsed\t"Folded stacks"'
complete -c sprof -n $cv -l transaction -x -d 'Transaction name'
complete -c sprof -n $cv -l trace-id -x -d 'Trace id (32 hex digits)'
complete -c sprof -n $cv -l release -x -d 'Release'
complete -c sprof -n $cv -l environment -x -d 'Environment'
complete -c sprof -n $cv -l dist -x -d 'Distribution'
complete -c sprof -n $cv -l platform -x -d 'Platform reported to Sentry (default native)'
complete -c sprof -n $cv -l dsn -x -d 'Sentry DSN for the envelope header'
complete -c sprof -n $cv -l pid -x -d 'Convert the process with this pid'
complete -c sprof -n $cv -l all -d 'Convert every process'
complete -c sprof -n $cv -l start -x -d 'Drop samples before SEC seconds'
complete -c sprof -n $cv -l end -x -d 'Drop samples after SEC seconds'
complete -c sprof -n $cv -l max-duration -x -d 'Cut a v1 profile after SEC seconds (default 30)'
complete -c sprof -n $cv -l pretty -d 'Indent JSON output'
complete -c sprof -n $cv -l seed -x -d 'Derive generated ids from N'
complete -c sprof -n $cv -l force -d 'Convert a cut file or a profile Sentry would reject'
complete -c sprof -n $cv -l debug-dir -x -a '(__fish_complete_directories)' -d 'Look for debug information in DIR'
complete -c sprof -n $cv -l in-app-include -r -F -d 'Images under PREFIX are in-app'
complete -c sprof -n $cv -l in-app-exclude -r -F -d 'Images under PREFIX are not in-app'
complete -c sprof -n $cv -l top -x -d 'Functions shown by the report'
complete -c sprof -n $cv -l merge-threads -d 'Merge all threads into one profile'
complete -c sprof -n $cv -l color -x -a 'auto always never' -d 'Colour the report'
complete -c sprof -n $cv -l title -x -d 'Flame graph title'
complete -c sprof -n $cv -l width -x -d 'Flame graph width in pixels'
complete -c sprof -n $cv -l reverse -d 'Leaf functions at the root'
complete -c sprof -n $cv -l inline -x -a 'yes no' -d 'Inlined calls as frames of their own'
complete -c sprof -n $cv -s h -l help -d 'Show help'
