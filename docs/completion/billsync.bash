# bash completion for billsync(1)                         -*- shell-script -*-
#
# Installed as share/bash-completion/completions/billsync.  Completes the
# commands, each command's options (read from `billsync COMMAND --help`, so
# they are always those of the installed binary), file and folder arguments,
# and object names (OrbInvoice__c) and datasets (invoices) from the mapping
# files: the folder of --mappings DIR on the line, else [mappings] dir of the
# configuration (-c FILE, --config FILE or ./billsync.conf), else ./mappings.

_billsync_commands="run export upload check schema preview status records retry resync"

# The mappings folder the command line being completed would use.
_billsync_mapdir()
{
	local i conf="" dir="" cdir="."
	for ((i = 1; i < ${#COMP_WORDS[@]} - 1; i++)); do
		case ${COMP_WORDS[i]} in
		-c | --config) conf=${COMP_WORDS[i + 1]} ;;
		--config=*) conf=${COMP_WORDS[i]#--config=} ;;
		--mappings) dir=${COMP_WORDS[i + 1]} ;;
		--mappings=*) dir=${COMP_WORDS[i]#--mappings=} ;;
		esac
	done
	if [[ -n $dir ]]; then
		printf '%s\n' "${dir/#\~/$HOME}"
		return
	fi
	conf=${conf/#\~/$HOME}
	[[ -z $conf && -f billsync.conf ]] && conf=billsync.conf
	if [[ -n $conf && -r $conf ]]; then
		[[ $conf == */* ]] && cdir=${conf%/*}
		dir=$(awk '
			/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
			sec == "mappings" && /^[ \t]*dir[ \t]*=/ {
				sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]+[#;].*$/, "")
				sub(/[ \t]+$/, ""); print; exit
			}' "$conf" 2>/dev/null)
	fi
	dir=${dir:-mappings}
	[[ $dir != /* ]] && dir=$cdir/$dir
	printf '%s\n' "$dir"
}

# Object names and dataset names of the mapping files.
_billsync_objects()
{
	local dir
	dir=$(_billsync_mapdir)
	[[ -d $dir ]] || return
	awk '
		/^[ \t]*\[/ { sec = $0; gsub(/[][ \t]/, "", sec); next }
		sec == "object" && /^[ \t]*(name|source)[ \t]*=/ {
			sub(/^[^=]*=[ \t]*/, ""); sub(/[ \t]+[#;].*$/, "")
			sub(/[ \t]+$/, ""); if ($0 != "") print
		}' "$dir"/*.map 2>/dev/null | sort -u
}

_billsync()
{
	local cur prev cmd i opts
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}

	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$_billsync_commands help --help --version" -- "$cur"))
		return
	fi
	cmd=${COMP_WORDS[1]}
	if [[ $cmd == help ]]; then
		((COMP_CWORD == 2)) &&
			COMPREPLY=($(compgen -W "$_billsync_commands" -- "$cur"))
		return
	fi

	case $prev in
	-c | --config | --failures | --archive | --trace)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--csv)
		[[ $cmd == records ]] && COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	-o | --out | --mappings | --state)
		COMPREPLY=($(compgen -d -- "$cur"))
		return ;;
	--source)
		COMPREPLY=($(compgen -f -- "$cur"))
		return ;;
	--object)
		COMPREPLY=($(compgen -W "$(_billsync_objects)" -- "$cur"))
		return ;;
	--objects)
		# a comma-separated list: complete the last name
		local head=""
		[[ $cur == *,* ]] && head=${cur%,*},
		COMPREPLY=($(compgen -P "$head" -W "$(_billsync_objects)" -- "${cur##*,}"))
		return ;;
	--status)
		COMPREPLY=($(compgen -W "pending retried synced resynced failed skipped" -- "$cur"))
		return ;;
	--log-format)
		COMPREPLY=($(compgen -W "plain json" -- "$cur"))
		return ;;
	--since | --until | --id | --key | --limit | -n | --run | --max-file-bytes | --max-file-rows)
		return ;;
	esac

	if [[ $cur == -* ]]; then
		opts=$("${COMP_WORDS[0]}" "$cmd" --help 2>/dev/null |
			grep -oE -- '(^|[ ,])--?[a-zA-Z][a-zA-Z-]*' | tr -d ' ,' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
		return
	fi
	case $cmd in
	preview)
		# the one OBJECT argument
		for ((i = 2; i < COMP_CWORD; i++)); do
			case ${COMP_WORDS[i]} in
			-c | --config | --source | --mappings | -n | --limit) ((i++)) ;;
			-*) ;;
			*) return ;;
			esac
		done
		COMPREPLY=($(compgen -W "$(_billsync_objects)" -- "$cur")) ;;
	upload)
		COMPREPLY=($(compgen -d -- "$cur")) ;;
	check)
		COMPREPLY=($(compgen -f -X '!*.map' -- "$cur") $(compgen -d -- "$cur")) ;;
	esac
}
complete -F _billsync billsync
